import { type FunctionSpec, VECTOR_LOADING_MEMORY_MB } from "./function-spec";

/**
 * Work that never runs in a request, each a function of its own: writes start it with an
 * asynchronous invocation on AWS; locally the same handler runs in-process after the response.
 */
export const BACKGROUND_TASKS = {
  compact: {
    id: "CompactIndex",
    entry: "functions/compact-index.ts",
    access: {
      objects: { segments: ["read", "write", "delete"] },
      tables: { indexes: ["GetItem", "UpdateItem"], leases: ["PutItem", "GetItem", "DeleteItem"] },
    },
    // A merge holds its inputs and its output (at most 2 × 64 MiB); a purge, the id digests.
    memoryMb: VECTOR_LOADING_MEMORY_MB,
    timeoutSeconds: 900,
  },
} as const satisfies Record<string, FunctionSpec>;

export type BackgroundTaskName = keyof typeof BACKGROUND_TASKS;

/** Environment variable naming a task's function, for the functions that start it. */
export function taskFunctionEnvVar(task: BackgroundTaskName): string {
  return `VECTORD_${task.toUpperCase()}_FUNCTION`;
}
