import {
  type BackgroundTaskName,
  type FunctionSpec,
  GRAPH_BUILDING_MEMORY_MB,
  VECTOR_LOADING_MEMORY_MB,
} from "./function-spec";

export type { BackgroundTaskName } from "./function-spec";

/**
 * The function of the two tasks that make an index's next generation: `catchUp` (new vectors
 * folded into a copy of the active graph, or a rebuild past the deleted-label threshold) and
 * `activate` (an activation's build, catch-up or copy). One function, so that a warm instance
 * that made a generation either way still holds its graph (in its generation thread's memory,
 * and its file in `/tmp`) when the next catch-up of that generation lands there: the first
 * catch-up after an activation then neither downloads the graph nor reads its file (see README,
 * "Catch-up"). Each invocation names its task (`BackgroundTaskEvent`).
 */
const GENERATION_TASK = {
  id: "GenerationTask",
  entry: "functions/generation-task.ts",
  access: {
    objects: {
      segments: ["read"],
      snapshots: ["read"],
      generations: ["read", "write", "delete"],
    },
    tables: {
      indexes: ["GetItem", "UpdateItem"],
      // A catch-up's per-index lease (one at a time per index).
      leases: ["PutItem", "GetItem", "DeleteItem"],
      // An activation's promoted config, and its run's record.
      promotions: ["GetItem"],
      runs: ["GetItem", "UpdateItem"],
    },
  },
  // Builds a graph on worker threads, catches one up, or copies it: the request that asked for an
  // activation only waits, within API Gateway's limit, and answers 202 when the build takes longer.
  memoryMb: GRAPH_BUILDING_MEMORY_MB,
  timeoutSeconds: 900,
  hnsw: "build",
} as const satisfies FunctionSpec;

/**
 * Work that never runs in a request: writes start it with an asynchronous invocation of its
 * function on AWS (each task's own, but `catchUp` and `activate` share {@link GENERATION_TASK});
 * locally the same handler runs in-process after the response.
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
  catchUp: GENERATION_TASK,
  activate: GENERATION_TASK,
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

/** The background tasks' functions, each once (`catchUp` and `activate` share one). */
export function backgroundFunctions(): FunctionSpec[] {
  const byId = new Map<string, FunctionSpec>();
  for (const spec of Object.values(BACKGROUND_TASKS) as FunctionSpec[]) byId.set(spec.id, spec);
  return [...byId.values()];
}

/** What a background task's function is invoked with. */
export interface BackgroundTaskEvent {
  /** The task (a function may run more than one: see {@link BACKGROUND_TASKS}). */
  readonly task: BackgroundTaskName;
  /** The index it is for. */
  readonly index_name: string;
  /** The run it carries out (an activation's, a trial's, a harness's), if any. */
  readonly run_id?: string;
}

/** The event that starts `task` for `indexName` (and run `runId`). */
export function backgroundTaskEvent(
  task: BackgroundTaskName,
  indexName: string,
  runId?: string,
): BackgroundTaskEvent {
  return { task, index_name: indexName, ...(runId && { run_id: runId }) };
}
