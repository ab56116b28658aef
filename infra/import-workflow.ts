import { retry, substituted } from "./asl";
import { type FunctionSpec, VECTOR_LOADING_MEMORY_MB } from "./function-spec";

/**
 * The bulk-import workflow, defined once like the autotune one: CDK deploys this definition
 * (task ARNs substituted) and the local stack runs the same definition with
 * aws-local-stepfunctions.
 *
 * Plan (read the uploaded file's header, check it against the index, cut it into chunks of
 * whole rows) -> Chunks: a Map over the chunks (inline, 4 at a time; each chunk reads its byte
 * range and commits one segment, whole or not at all; Retry on transient errors)
 * -> Finish (the job SUCCEEDED). Any failure goes to Failed (the job FAILED with the reason);
 * chunks already committed stay: their ids are deterministic, so running the import again
 * completes it.
 */

/** Environment variable naming the import state machine, for the function that starts imports. */
export const IMPORT_STATE_MACHINE_ENV_VAR = "VECTORD_IMPORT_STATE_MACHINE_ARN";

/** Chunks imported at once. */
export const IMPORT_CONCURRENCY = 4;

/**
 * The bulk-import workflow's task functions, one per state that runs code: what each runs (`entry`)
 * and exactly what it may touch (`access`, the source of its IAM policy and of the local stack's
 * wiring).
 */
export const IMPORT_TASKS = {
  Plan: {
    id: "ImportPlan",
    entry: "functions/import-plan.ts",
    access: {
      objects: { uploads: ["read"] },
      tables: { indexes: ["GetItem"], imports: ["GetItem", "UpdateItem"] },
    },
    timeoutSeconds: 60,
  },
  Chunk: {
    id: "ImportChunk",
    entry: "functions/import-chunk.ts",
    access: {
      objects: { uploads: ["read"], segments: ["read", "write", "delete"] },
      tables: { indexes: ["GetItem", "UpdateItem"], imports: ["UpdateItem"] },
      startsTasks: ["compact", "catchUp"],
    },
    // A chunk holds its bytes (32 MiB of values) and their segment; 1,769 MB is one full vCPU.
    memoryMb: VECTOR_LOADING_MEMORY_MB,
    timeoutSeconds: 300,
  },
  Finish: {
    id: "ImportFinish",
    entry: "functions/import-finish.ts",
    access: { tables: { imports: ["GetItem", "UpdateItem"] } },
    timeoutSeconds: 60,
  },
} as const satisfies Record<string, FunctionSpec>;

/**
 * The name of an import workflow state that runs a function of its own (a key of {@link
 * IMPORT_TASKS}).
 */
export type ImportTaskState = keyof typeof IMPORT_TASKS;

/** The substitution variable of each task's function ARN in the definition. */
export function importArnVariable(state: ImportTaskState): string {
  return `Import${state}FunctionArn`;
}

/**
 * The bulk-import workflow's Amazon States Language definition, with `${Import<State>FunctionArn}`
 * placeholders (see {@link importArnVariable}). The CDK stack deploys it and the local stack runs
 * it as is.
 */
export const IMPORT_DEFINITION = {
  Comment:
    "vectord bulk import: a file's rows, in chunks of whole rows, each committed as one segment",
  StartAt: "Plan",
  States: {
    Plan: {
      Type: "Task",
      Resource: `\${${importArnVariable("Plan")}}`,
      ResultPath: "$.plan",
      Retry: [retry(1, 3)],
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Failed" }],
      Next: "Chunks",
    },
    Chunks: {
      Type: "Map",
      ItemsPath: "$.plan.chunks",
      MaxConcurrency: IMPORT_CONCURRENCY,
      ItemSelector: {
        "import_id.$": "$.import_id",
        "index_name.$": "$.index_name",
        "index_uid.$": "$.index_uid",
        "source_key.$": "$.source_key",
        "id_prefix.$": "$.id_prefix",
        "layout.$": "$.plan.layout",
        "chunk.$": "$$.Map.Item.Value",
      },
      ItemProcessor: {
        ProcessorConfig: { Mode: "INLINE" },
        StartAt: "Chunk",
        States: {
          Chunk: {
            Type: "Task",
            Resource: `\${${importArnVariable("Chunk")}}`,
            Retry: [retry(1, 3)],
            End: true,
          },
        },
      },
      ResultPath: null,
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Failed" }],
      Next: "Finish",
    },
    Finish: {
      Type: "Task",
      Resource: `\${${importArnVariable("Finish")}}`,
      ResultPath: "$.job",
      Retry: [retry(1, 3)],
      End: true,
    },
    Failed: {
      Type: "Task",
      Resource: `\${${importArnVariable("Finish")}}`,
      ResultPath: "$.job",
      Retry: [retry(1, 3)],
      Next: "ImportFailed",
    },
    ImportFailed: { Type: "Fail", Error: "ImportFailed", Cause: "see the import job's error" },
  },
} as const;

/** The definition with each placeholder replaced by `arnOf(state)`. */
export function substitutedImportDefinition(arnOf: (state: ImportTaskState) => string): unknown {
  return substituted(IMPORT_DEFINITION, IMPORT_TASKS, importArnVariable, arnOf);
}
