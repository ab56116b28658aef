import { retry, substituted } from "./asl";
import { type FunctionSpec, GRAPH_BUILDING_MEMORY_MB } from "./function-spec";

/**
 * The autotune workflow, defined once: the CDK stack deploys this Amazon States Language
 * definition (with `definitionSubstitutions` for the task ARNs) and the local stack runs the very
 * same definition with aws-local-stepfunctions, mapping each Task state to the same handler.
 *
 * Plan (confirm the lease, refresh a stale harness, plan round 1: the grid's groups for
 * `max_recall`, the tuner's first builds for `target_recall`)
 *   -> BuildRound: a Map over the round's builds, longest first (inline; MaxConcurrency from the
 *      request; Retry on transient errors; Catch so a failed build fails only itself)
 *   -> Tune (record the round; plan the next or stop) -> back to BuildRound until it stops
 *   -> Runoff (`target_recall`: finalists measured side by side) -> Decide (winner, promotion,
 *      lease release, job record)
 *   -> Succeed, or Fail when the job was recorded FAILED (so CloudWatch counts a failed execution).
 * Whatever makes Decide fail after its retries, its Catch runs Abandon: the lease is released and
 * the job is recorded FAILED with the reason, so a job never stays RUNNING behind a dead run.
 */

/** Environment variable naming the state machine, for the functions that start autotune. */
export const STATE_MACHINE_ENV_VAR = "VECTORD_STATE_MACHINE_ARN";

/** The Task states and the functions behind them. */
export const AUTOTUNE_TASKS = {
  Plan: {
    id: "AutotunePlan",
    entry: "functions/autotune-plan.ts",
    access: {
      objects: { segments: ["read"], evals: ["read", "write", "delete"] },
      tables: {
        indexes: ["GetItem"],
        leases: ["PutItem", "GetItem"],
        jobs: ["UpdateItem"],
      },
    },
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    timeoutSeconds: 900,
    hnsw: "build",
  },
  RunBuildGroup: {
    id: "AutotuneRunBuildGroup",
    entry: "functions/autotune-run-group.ts",
    access: {
      objects: { segments: ["read"], evals: ["read"], snapshots: ["write", "delete"] },
      tables: {
        indexes: ["GetItem"],
        trials: ["PutItem", "GetItem"],
        leases: ["PutItem", "GetItem"],
        jobs: ["UpdateItem"],
      },
    },
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    timeoutSeconds: 900,
    hnsw: "build",
  },
  Tune: {
    id: "AutotuneTune",
    entry: "functions/autotune-tune.ts",
    access: { tables: { jobs: ["UpdateItem"] } },
    timeoutSeconds: 60,
  },
  Runoff: {
    id: "AutotuneRunoff",
    entry: "functions/autotune-runoff.ts",
    access: {
      objects: { segments: ["read"], evals: ["read"], snapshots: ["read"] },
      tables: {
        indexes: ["GetItem"],
        trials: ["PutItem", "GetItem"],
        leases: ["PutItem", "GetItem"],
      },
    },
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    timeoutSeconds: 900,
    hnsw: "build",
  },
  Decide: {
    id: "AutotuneDecide",
    entry: "functions/autotune-decide.ts",
    access: {
      tables: {
        indexes: ["GetItem"],
        trials: ["GetItem"],
        promotions: ["GetItem", "PutItem"],
        leases: ["PutItem", "GetItem", "DeleteItem"],
        jobs: ["GetItem", "PutItem"],
      },
    },
    timeoutSeconds: 60,
  },
  Abandon: {
    id: "AutotuneAbandon",
    entry: "functions/autotune-abandon.ts",
    access: { tables: { leases: ["DeleteItem"], jobs: ["GetItem", "PutItem"] } },
    timeoutSeconds: 60,
  },
} as const satisfies Record<string, FunctionSpec>;

/**
 * The name of an autotune workflow state that runs a function of its own (a key of {@link
 * AUTOTUNE_TASKS}).
 */
export type AutotuneTaskState = keyof typeof AUTOTUNE_TASKS;

/** The substitution variable of each task's function ARN in the definition. */
export function arnVariable(state: AutotuneTaskState): string {
  return `${state}FunctionArn`;
}

/** The Amazon States Language definition, with `${<State>FunctionArn}` placeholders. */
export const AUTOTUNE_DEFINITION = {
  Comment:
    "vectord autotune: rounds of graph builds (a Map each) until the tuner stops, finalists measured side by side, the winner promoted",
  StartAt: "Plan",
  States: {
    Plan: {
      Type: "Task",
      Resource: `\${${arnVariable("Plan")}}`,
      ResultPath: "$.round",
      Retry: [retry(1, 3)],
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Decide" }],
      Next: "BuildRound",
    },
    BuildRound: {
      Type: "Map",
      ItemsPath: "$.round.groups",
      MaxConcurrencyPath: "$.round.max_concurrency",
      ItemSelector: {
        "job_id.$": "$.job_id",
        "index_name.$": "$.index_name",
        "harness.$": "$.harness",
        "group.$": "$$.Map.Item.Value",
      },
      ItemProcessor: {
        ProcessorConfig: { Mode: "INLINE" },
        StartAt: "RunBuildGroup",
        States: {
          RunBuildGroup: {
            Type: "Task",
            Resource: `\${${arnVariable("RunBuildGroup")}}`,
            Retry: [retry(2, 2)],
            Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "GroupFailed" }],
            End: true,
          },
          GroupFailed: {
            Type: "Pass",
            Parameters: { failed: true, "group.$": "$.group", "error.$": "$.error" },
            End: true,
          },
        },
      },
      ResultPath: "$.round.results",
      Next: "Tune",
    },
    Tune: {
      Type: "Task",
      Resource: `\${${arnVariable("Tune")}}`,
      // No ResultPath: the task's output (the whole state, updated) becomes the state.
      Retry: [retry(1, 3)],
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.tune_error", Next: "Decide" }],
      Next: "MoreRounds",
    },
    MoreRounds: {
      Type: "Choice",
      Choices: [{ Variable: "$.round.done", BooleanEquals: false, Next: "BuildRound" }],
      Default: "Strategy",
    },
    Strategy: {
      Type: "Choice",
      Choices: [{ Variable: "$.tuning.strategy", StringEquals: "target_recall", Next: "Runoff" }],
      Default: "Decide",
    },
    Runoff: {
      Type: "Task",
      Resource: `\${${arnVariable("Runoff")}}`,
      ResultPath: "$.runoff",
      Retry: [retry(2, 2)],
      // Without a runoff, Decide picks from what each build measured.
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.runoff_error", Next: "Decide" }],
      Next: "Decide",
    },
    Decide: {
      Type: "Task",
      Resource: `\${${arnVariable("Decide")}}`,
      ResultPath: "$.decision",
      Retry: [retry(1, 3)],
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Abandon" }],
      Next: "Outcome",
    },
    Outcome: {
      Type: "Choice",
      Choices: [{ Variable: "$.decision.status", StringEquals: "FAILED", Next: "JobFailed" }],
      Default: "JobDone",
    },
    Abandon: {
      Type: "Task",
      Resource: `\${${arnVariable("Abandon")}}`,
      ResultPath: "$.decision",
      Retry: [
        {
          ErrorEquals: ["States.ALL"],
          IntervalSeconds: 2,
          MaxAttempts: 5,
          BackoffRate: 2,
          JitterStrategy: "FULL",
        },
      ],
      Next: "JobFailed",
    },
    JobFailed: {
      Type: "Fail",
      Error: "AutotuneFailed",
      CausePath: "$.decision.reason",
    },
    JobDone: { Type: "Succeed" },
  },
} as const;

/** The definition with each placeholder replaced by `arnOf(state)`. */
export function substitutedDefinition(arnOf: (state: AutotuneTaskState) => string): unknown {
  return substituted(AUTOTUNE_DEFINITION, AUTOTUNE_TASKS, arnVariable, arnOf);
}

/** The scheduled trigger: EventBridge invokes it every few minutes (locally, a timer). */
export const SCHEDULE = {
  function: {
    id: "AutotuneSchedule",
    entry: "functions/autotune-schedule.ts",
    access: {
      // The hourly housekeeping removes harness objects no description names.
      objects: { evals: ["read", "delete"] },
      // The hourly housekeeping lists the incarnations under the index prefixes (not their
      // objects) to find dead ones to purge, and the harnesses' objects.
      lists: ["segments", "snapshots", "evals"],
      tables: {
        // Scan: the hourly housekeeping lists the indexes to start their compaction tasks.
        indexes: ["GetItem", "Scan"],
        policies: ["Scan", "UpdateItem"],
        leases: ["PutItem", "GetItem", "DeleteItem"],
        jobs: ["PutItem"],
      },
      startsAutotune: true,
      startsTasks: ["compact", "purge"],
    },
    timeoutSeconds: 60,
  } satisfies FunctionSpec,
  /** Minutes between runs; a policy's `every_minutes` is at least this. */
  everyMinutes: 5,
} as const;
