// Worker entry when running from source (local stack, tests): loads the TypeScript worker
// through tsx. Lambda bundles run the compiled worker instead (see hnsw-runner.ts).
import { register } from "tsx/esm/api";

register();
const worker = await import("./hnsw-worker.ts");

export const buildAndMeasure = worker.buildAndMeasure;
export const groundTruth = worker.groundTruth;
export const buildToFile = worker.buildToFile;
