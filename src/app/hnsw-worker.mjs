// The worker-thread entry, found beside the code that starts the pool (see hnsw-runner.ts).
// From source (local stack, tests) it loads the TypeScript tasks through tsx; in a Lambda bundle
// the file of this name beside the handler is the tasks compiled by esbuild (infra/bundling.ts).
import { register } from "tsx/esm/api";

register();
const tasks = await import("./hnsw-tasks.ts");

export const buildAndMeasure = tasks.buildAndMeasure;
export const buildAndTune = tasks.buildAndTune;
export const runoff = tasks.runoff;
export const groundTruth = tasks.groundTruth;
export const buildToFile = tasks.buildToFile;
export const catchUpGraph = tasks.catchUpGraph;
export const releaseHeld = tasks.releaseHeld;
