import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve, sep } from "node:path";
import type hnswlib from "hnswlib-node";

const PATCH = "patches/hnswlib-node+3.0.0.patch";

/**
 * hnswlib-node as published, without vectord's patch (`patches/`, see "Deploy" in the README):
 * the installed package's sources copied, the patch reversed, and compiled with npm's own
 * node-gyp, so a benchmark can measure the patched build against the published one in the same
 * run. Compiled once per patch (about 8 s) and kept under `node_modules/.cache`. Run through
 * `npm run bench`, which names npm's node-gyp (`npm_config_node_gyp`) and the Node headers.
 */
export function unpatchedHnswlib(): typeof hnswlib {
  const patch = resolve(PATCH);
  const tag = createHash("sha256").update(readFileSync(patch)).digest("hex").slice(0, 12);
  const root = resolve(`node_modules/.cache/vectord-bench/hnswlib-node-unpatched-${tag}`);
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
    execFileSync("patch", ["--reverse", "-p3", "-d", root, "-i", patch], { stdio: "ignore" });
    const nodedir = process.env.npm_config_nodedir;
    execFileSync(process.execPath, [gyp, "rebuild", ...(nodedir ? [`--nodedir=${nodedir}`] : [])], {
      cwd: root,
      stdio: "ignore",
    });
  }
  return createRequire(join(root, "package.json"))("./lib/index.js") as typeof hnswlib;
}
