import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve, sep } from "node:path";
import type hnswlib from "hnswlib-node";

/** vectord's patches of hnswlib-node, in the order `postinstall` applies them (see README, "Deploy"). */
export const HNSWLIB_PATCHES = {
  /** The neighbor heuristic drops a candidate byte-identical to a neighbor kept. */
  copies: "patches/hnswlib-node+3.0.0+001+copies.patch",
  /** hnswlib's AVX distance kernels, chosen at run time, in a baseline x86-64 build. */
  avxKernels: "patches/hnswlib-node+3.0.0+002+avx-kernels.patch",
  /** `addPoint` and `searchKnn` of HierarchicalNSW also take a Float32Array, read in one copy. */
  typedPoints: "patches/hnswlib-node+3.0.0+003+typed-points.patch",
  /** `HierarchicalNSW.addPoints` adds a batch of points on one or more threads. */
  parallelAdds: "patches/hnswlib-node+3.0.0+004+parallel-adds.patch",
} as const;

/** One of {@link HNSWLIB_PATCHES}. */
export type HnswlibPatch = keyof typeof HNSWLIB_PATCHES;

/**
 * hnswlib-node as installed but without some of vectord's patches: the installed package's
 * sources copied, `without` reversed (last applied first), and compiled with npm's own node-gyp,
 * so a benchmark can measure vectord's build against one without a patch in the same run.
 * Without every patch it is the published build. Without `typedPoints` its graphs take plain
 * arrays only, which `buildGraph` (views) does not hand them. Compiled once per set of patches and of those
 * reversed (about 8 s) and kept under `node_modules/.cache`. Run through `npm run bench`, which
 * names npm's node-gyp (`npm_config_node_gyp`) and the Node headers.
 */
export function hnswlibWithout(without: readonly HnswlibPatch[]): typeof hnswlib {
  const reversed = (Object.keys(HNSWLIB_PATCHES) as HnswlibPatch[])
    .filter((name) => without.includes(name))
    .reverse()
    .map((name) => resolve(HNSWLIB_PATCHES[name]));
  // Keyed by every patch (the installed sources carry them all) and by those reversed.
  const hash = createHash("sha256");
  for (const patch of Object.values(HNSWLIB_PATCHES)) hash.update(readFileSync(resolve(patch)));
  hash.update(JSON.stringify(reversed.map((patch) => patch.slice(patch.lastIndexOf("+")))));
  const tag = hash.digest("hex").slice(0, 12);
  const root = resolve(`node_modules/.cache/vectord-bench/hnswlib-node-without-${tag}`);
  if (!existsSync(join(root, "build/Release/addon.node"))) {
    const gyp = process.env.npm_config_node_gyp;
    if (!gyp) {
      throw new Error("npm_config_node_gyp is not set: run the benchmark through `npm run bench`");
    }
    rmSync(root, { recursive: true, force: true });
    mkdirSync(dirname(root), { recursive: true });
    const source = resolve("node_modules/hnswlib-node");
    const build = join(source, "build");
    cpSync(source, root, {
      recursive: true,
      filter: (from) => from !== build && !from.startsWith(build + sep),
    });
    for (const patch of reversed) {
      execFileSync("patch", ["--reverse", "-p3", "-d", root, "-i", patch], { stdio: "ignore" });
    }
    const nodedir = process.env.npm_config_nodedir;
    execFileSync(process.execPath, [gyp, "rebuild", ...(nodedir ? [`--nodedir=${nodedir}`] : [])], {
      cwd: root,
      stdio: "ignore",
    });
  }
  return createRequire(join(root, "package.json"))("./lib/index.js") as typeof hnswlib;
}
