import { existsSync } from "node:fs";
import { join } from "node:path";
import type { BundlingOptions } from "aws-cdk-lib/aws-lambda-nodejs";
import { OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { DASHBOARD_FILES } from "../src/http/dashboard-assets";
import type { FunctionSpec } from "./function-spec";
import { checkLambdaAddonFile } from "./native-addon";

/**
 * How each function is bundled: one ESM file per handler, for the Lambda runtime's Node.js
 * version, with everything it imports inlined (the AWS SDK too, so the code runs the versions it
 * was tested with). Only what cannot be bundled ships as files beside it:
 * - hnswlib-node's native addon (and the two tiny modules that locate it), for graph functions;
 * - piscina, the worker-thread pool (it starts its own `worker.js` by path), and the compiled
 *   worker entry `hnsw-worker.mjs`, for functions that build graphs.
 * The package test (test/package) runs every asset folder exactly as shipped, under plain node.
 */

/** The Lambda runtime's Node.js major version; the bundles target it. */
export const LAMBDA_NODE_MAJOR = 24;
/**
 * esbuild's target for every Lambda bundle: the runtime's Node.js major (see {@link
 * LAMBDA_NODE_MAJOR}).
 */
export const BUNDLE_TARGET = `node${LAMBDA_NODE_MAJOR}`;

/** Makes an ESM bundle able to `require` (some dependencies are CommonJS). */
export const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** The addon `npm ci` compiled, which graph functions ship. */
export const ADDON_PATH = "node_modules/hnswlib-node/build/Release/addon.node";

/** Files (relative to the repository root) a graph function needs at run time besides its bundle. */
export function runtimeFiles(kind: "serve" | "build"): string[] {
  const addon = [
    "node_modules/hnswlib-node/package.json",
    "node_modules/hnswlib-node/lib/index.js",
    ADDON_PATH,
    "node_modules/bindings/package.json",
    "node_modules/bindings/bindings.js",
    "node_modules/file-uri-to-path/package.json",
    "node_modules/file-uri-to-path/index.js",
  ];
  // piscina's compiled JavaScript only (no sources, tests, maps or typings); ESM enters through
  // its wrapper, which loads the CommonJS build.
  const pool = [
    "node_modules/piscina/package.json",
    "node_modules/piscina/dist/esm-wrapper.mjs",
    "node_modules/piscina/dist/**/*.js",
  ];
  return kind === "build" ? [...addon, ...pool] : addon;
}

function shellQuote(path: string): string {
  return `'${path.replaceAll("'", "'\\''")}'`;
}

/** Shell commands that copy `files` (globs allowed in the last segment) into `outputDir`. */
function copyCommands(inputDir: string, outputDir: string, files: readonly string[]): string[] {
  return files.map((file) => {
    if (file.endsWith("/**/*.js")) {
      const dir = file.slice(0, -"/**/*.js".length);
      // Keep the folder tree of a package's compiled JavaScript (piscina's dist has subfolders).
      return `cd ${shellQuote(join(inputDir, dir))} && find . -name '*.js' -exec sh -c 'mkdir -p ${shellQuote(join(outputDir, dir))}/$(dirname "$1") && cp "$1" ${shellQuote(join(outputDir, dir))}/"$1"' _ {} \\;`;
    }
    const dir = file.replace(/\/[^/]*$/, "");
    return `mkdir -p ${shellQuote(join(outputDir, dir))} && cp ${shellQuote(join(inputDir, file))} ${shellQuote(join(outputDir, file))}`;
  });
}

/** What every function's bundle shares. */
function baseBundling(): BundlingOptions {
  return {
    format: OutputFormat.ESM,
    target: BUNDLE_TARGET,
    sourceMap: true,
    mainFields: ["module", "main"],
    banner: ESM_REQUIRE_BANNER,
    // Never bundled: the native addon and the pool that loads workers by path (both shipped as
    // files), and the local-only workflow runner (never loaded on AWS).
    externalModules: ["hnswlib-node", "piscina", "aws-local-stepfunctions"],
  };
}

/** Copies the dashboard's files into the bundle's `dashboard/` folder. */
function dashboardHooks(): NonNullable<BundlingOptions["commandHooks"]> {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir: string, outputDir: string) => [
      `mkdir -p ${shellQuote(join(outputDir, "dashboard"))}`,
      ...Object.entries(DASHBOARD_FILES).map(
        ([name, { source }]) =>
          `cp ${shellQuote(join(inputDir, source))} ${shellQuote(join(outputDir, "dashboard", name))}`,
      ),
    ],
  };
}

/** NodejsFunction bundling options for one function. */
export function bundlingFor(spec: FunctionSpec): BundlingOptions {
  const hnsw = spec.hnsw;
  if (spec.assets === "dashboard") return { ...baseBundling(), commandHooks: dashboardHooks() };
  return {
    ...baseBundling(),
    ...(hnsw
      ? {
          commandHooks: {
            beforeBundling: () => [],
            beforeInstall: () => [],
            afterBundling: (inputDir: string, outputDir: string): string[] => {
              // Fails the synth when the addon could not load on Lambda (macOS, arm64, new glibc).
              // CDK also asks for the commands of Docker bundling (paths inside a container,
              // which this project never uses); only a local bundling's addon can be read.
              if (existsSync(inputDir)) checkLambdaAddonFile(join(inputDir, ADDON_PATH));
              return [
                ...(hnsw === "build"
                  ? [
                      `${shellQuote(join(inputDir, "node_modules/.bin/esbuild"))} ${shellQuote(join(inputDir, "src/app/hnsw-tasks.ts"))} --bundle --platform=node --format=esm --target=${BUNDLE_TARGET} --external:hnswlib-node --banner:js="${ESM_REQUIRE_BANNER}" --outfile=${shellQuote(join(outputDir, "hnsw-worker.mjs"))}`,
                    ]
                  : []),
                ...copyCommands(inputDir, outputDir, runtimeFiles(hnsw)),
              ];
            },
          },
        }
      : {}),
  };
}
