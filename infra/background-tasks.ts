import {
  type BackgroundTaskName,
  type FunctionSpec,
  GRAPH_BUILDING_MEMORY_MB,
  VECTOR_LOADING_MEMORY_MB,
} from "./function-spec";

export type { BackgroundTaskName } from "./function-spec";

/**
 * Work that never runs in a request, each a function of its own: writes start it with an
 * asynchronous invocation on AWS; locally the same handler runs in-process after the response.
 */
export const BACKGROUND_TASKS = {
  compact: {
    id: "CompactIndex",
    entry: "functions/compact-index.ts",
    // Folds write segment lists. Sweeping orphans lists the index's keys and deletes unreferenced
    // segments, segment lists and generations.
    access: {
      objects: {
        segments: ["read", "write", "delete"],
        catalog: ["read", "write", "delete"],
        generations: ["delete"],
      },
      lists: ["segments", "catalog", "generations"],
      tables: { indexes: ["GetItem", "UpdateItem"], leases: ["PutItem", "GetItem", "DeleteItem"] },
    },
    // A merge holds its inputs and its output (at most 2 × 64 MiB); a purge, the id digests.
    memoryMb: VECTOR_LOADING_MEMORY_MB,
    timeoutSeconds: 900,
  },
  catchUp: {
    id: "CatchUpIndex",
    entry: "functions/catch-up-index.ts",
    access: {
      objects: { segments: ["read"], generations: ["read", "write", "delete"] },
      tables: { indexes: ["GetItem", "UpdateItem"], leases: ["PutItem", "GetItem", "DeleteItem"] },
    },
    // Adds to a copy of the active graph on a worker thread, or rebuilds it past the threshold.
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    timeoutSeconds: 900,
    hnsw: "build",
  },
  activate: {
    id: "ActivateIndexTask",
    entry: "functions/activate-task.ts",
    access: {
      objects: {
        segments: ["read"],
        snapshots: ["read"],
        generations: ["read", "write", "delete"],
      },
      tables: {
        indexes: ["GetItem", "UpdateItem"],
        promotions: ["GetItem"],
        runs: ["GetItem", "UpdateItem"],
      },
    },
    // Builds a graph on worker threads (or catches one up, or copies it): the request that asked
    // for it only waits, within API Gateway's limit, and answers 202 when the build takes longer.
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    timeoutSeconds: 900,
    hnsw: "build",
  },
  trial: {
    id: "RunTrialTask",
    entry: "functions/run-trial-task.ts",
    access: {
      objects: { segments: ["read"], evals: ["read"], snapshots: ["write", "delete"] },
      tables: {
        indexes: ["GetItem"],
        trials: ["PutItem", "GetItem"],
        runs: ["GetItem", "UpdateItem"],
      },
    },
    // Builds the trial's graph over the whole index and measures it on worker threads; as with
    // an activation, the request only waits, and answers 202 when the trial takes longer.
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    timeoutSeconds: 900,
    hnsw: "build",
  },
  harness: {
    id: "HarnessTask",
    entry: "functions/harness-task.ts",
    access: {
      objects: {
        segments: ["read"],
        evals: ["read", "write", "delete"],
        staged: ["read", "delete"],
      },
      tables: { indexes: ["GetItem"], runs: ["GetItem", "UpdateItem"] },
    },
    // Exact ground truth scans the whole index for every query (the SIMD scan on a worker thread,
    // the index copied once into its memory); the request that asked for it only waits, and
    // answers 202 when it takes longer.
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    timeoutSeconds: 900,
    hnsw: "build",
  },
  purge: {
    id: "PurgeIndex",
    entry: "functions/purge-index.ts",
    // Lists the incarnations under the index's prefixes, then deletes those the catalog does
    // not hold: segments, segment lists, generations and trial graphs.
    access: {
      objects: {
        segments: ["delete"],
        catalog: ["delete"],
        generations: ["delete"],
        snapshots: ["delete"],
      },
      lists: ["segments", "snapshots"],
      tables: { indexes: ["GetItem"] },
    },
    timeoutSeconds: 900,
  },
} as const satisfies Record<BackgroundTaskName, FunctionSpec>;

/** Environment variable naming a task's function, for the functions that start it. */
export function taskFunctionEnvVar(task: BackgroundTaskName): string {
  return `VECTORD_${task.toUpperCase()}_FUNCTION`;
}
