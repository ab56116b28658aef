import type { NodeHttpHandler } from "@smithy/node-http-handler";
import { STATE_MACHINE_ENV_VAR } from "../infra/autotune-workflow";
import {
  BACKGROUND_TASKS,
  type BackgroundTaskName,
  taskFunctionEnvVar,
} from "../infra/background-tasks";
import {
  CATALOG_FOLDS_ENV_VAR,
  EVENTUAL_ENV_VAR,
  HELD_GRAPH_BYTES_ENV_VAR,
  ID_DIRECTORIES_ENV_VAR,
  onOff,
} from "../infra/config";
import { IMPORT_STATE_MACHINE_ENV_VAR } from "../infra/import-workflow";
import { BUCKET_ENV_VAR, TABLES, type TableKey } from "../infra/tables";

/**
 * Where the service's resources are. On Lambda everything comes from the environment the CDK
 * stack sets; locally and in tests the endpoints point at the in-process emulators.
 */
export interface Settings {
  /** The AWS region. */
  readonly region: string;
  /** The service's bucket. */
  readonly bucket: string;
  /** Each table's name. */
  readonly tables: Readonly<Record<TableKey, string>>;
  /** Emulator endpoints; omitted on AWS. */
  readonly endpoints?: {
    readonly s3?: string;
    readonly dynamodb?: string;
    readonly sfn?: string;
    readonly lambda?: string;
  };
  /** Static credentials, for emulators only. */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** The autotune state machine; without it autotune runs in-process (local stack). */
  readonly stateMachineArn?: string;
  /** The import state machine; without it imports run in-process (local stack). */
  readonly importStateMachineArn?: string;
  /** How long an autotune lease holds without renewal (default 30 minutes). */
  readonly leaseMs?: number;
  /** How long an eventual search may reuse catalog state (default 1,000 ms). */
  readonly eventualMs?: number;
  /** How old an unreferenced object must be before a sweep removes it (default one hour). */
  readonly orphanGraceMs?: number;
  /** How long compaction and catch-up tasks hold their leases (default 15 minutes). */
  readonly taskLeaseMs?: number;
  /** How long a running import may go without progress before it is settled FAILED (30 min). */
  readonly importStallMs?: number;
  /** Minutes between hourly housekeeping sweeps (0: every scheduled run; default 60). */
  readonly sweepMinutes?: number;
  /**
   * Graphs of at least this many bytes load in the background while searches keep being served
   * from the generation an instance holds (default 16 MiB; 0: always; see `GraphCache`).
   */
  readonly backgroundLoadBytes?: number;
  /**
   * Bytes a warm instance's caches (loaded graphs, loaded vectors, tails) hold together across
   * indexes before the least recently used give theirs up (default: half the Lambda function's
   * memory; 1 GiB elsewhere).
   */
  readonly cacheBytes?: number;
  /**
   * Whether compaction folds full segments out of the catalog items (default `true`); `false`
   * moves them back (see `CompactionPolicy.folds`).
   */
  readonly catalogFolds?: boolean;
  /**
   * `false` turns id directories off: requests ignore them and compaction removes them (for
   * rolling back to code from before them; default on).
   */
  readonly idDirectories?: boolean;
  /**
   * Threads a catch-up adds its rows on (default: the machine's cores; see `createHnswRunner`).
   * 1 adds them in order, as before parallel catch-ups, so the same inputs give the same graph.
   */
  readonly catchUpThreads?: number;
  /**
   * Bytes of graphs a warm instance keeps for the next catch-ups of their generations, in memory
   * on its generation thread and as files on disk, the ones used least recently going first
   * (default on Lambda: a third of the function's memory above 512 MB, the largest graph the
   * sizing rule lets it build; 0 elsewhere, which keeps only the graph written last). See
   * `HnswRunnerOptions.heldGraphBytes` and `GraphFileCacheOptions.keepBytes`.
   */
  readonly heldGraphBytes?: number;
  /**
   * Wraps the HTTP handler of the S3 or DynamoDB clients: for fault-injection tests only (the
   * SDK's own retries then run against the injected faults).
   */
  readonly wrapHandler?: (service: "s3" | "dynamodb", handler: NodeHttpHandler) => NodeHttpHandler;
  /** Background tasks' functions; without them tasks run in-process (local stack). */
  readonly taskFunctions?: Partial<Record<BackgroundTaskName, string>>;
}

/** Environment variable overriding the autotune lease (seconds), e.g. for crash tests. */
export const LEASE_ENV_VAR = "VECTORD_AUTOTUNE_LEASE_SECONDS";
/** Environment variable overriding the orphan sweep's grace period (seconds), e.g. for tests. */
export const ORPHAN_GRACE_ENV_VAR = "VECTORD_ORPHAN_GRACE_SECONDS";
/** Environment variable overriding the compaction and catch-up leases (seconds), for tests. */
export const TASK_LEASE_ENV_VAR = "VECTORD_TASK_LEASE_SECONDS";
/** Environment variable overriding how long an import may stall (seconds), e.g. for crash tests. */
export const IMPORT_STALL_ENV_VAR = "VECTORD_IMPORT_STALL_SECONDS";
/** Environment variable setting the housekeeping period (minutes; 0: every scheduled run). */
export const SWEEP_MINUTES_ENV_VAR = "VECTORD_SWEEP_MINUTES";

/** Environment variable setting {@link Settings.backgroundLoadBytes} (bytes). */
export const BACKGROUND_LOAD_ENV_VAR = "VECTORD_BACKGROUND_LOAD_BYTES";

/** Environment variable setting {@link Settings.cacheBytes} (bytes). */
export const CACHE_BYTES_ENV_VAR = "VECTORD_CACHE_BYTES";

/** Environment variable setting {@link Settings.catchUpThreads} (an integer 1..256). */
export const CATCH_UP_THREADS_ENV_VAR = "VECTORD_CATCH_UP_THREADS";

/** Environment variables naming local emulator endpoints (unset on AWS). */
export const ENDPOINT_ENV = {
  s3: "VECTORD_S3_ENDPOINT",
  dynamodb: "VECTORD_DYNAMODB_ENDPOINT",
  sfn: "VECTORD_SFN_ENDPOINT",
  lambda: "VECTORD_LAMBDA_ENDPOINT",
} as const;

/** Reads {@link Settings} from environment variables; throws naming any that is missing. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): Settings {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`environment variable ${name} is not set`);
    return value;
  };
  const tables = Object.fromEntries(
    Object.entries(TABLES).map(([key, spec]) => [key, required(spec.envVar)]),
  ) as Record<TableKey, string>;
  const s3 = env[ENDPOINT_ENV.s3];
  const dynamodb = env[ENDPOINT_ENV.dynamodb];
  const sfn = env[ENDPOINT_ENV.sfn];
  const lambda = env[ENDPOINT_ENV.lambda];
  const local = Boolean(s3 || dynamodb || sfn || lambda);
  const taskFunctions = Object.fromEntries(
    (Object.keys(BACKGROUND_TASKS) as BackgroundTaskName[])
      .map((task) => [task, env[taskFunctionEnvVar(task)]])
      .filter(([, name]) => name),
  ) as Partial<Record<BackgroundTaskName, string>>;
  const stateMachineArn = env[STATE_MACHINE_ENV_VAR];
  const importStateMachineArn = env[IMPORT_STATE_MACHINE_ENV_VAR];
  const leaseSeconds = Number(env[LEASE_ENV_VAR]);
  const taskLeaseSeconds = Number(env[TASK_LEASE_ENV_VAR]);
  const importStallSeconds = Number(env[IMPORT_STALL_ENV_VAR]);
  const sweepMinutes =
    env[SWEEP_MINUTES_ENV_VAR] === undefined ? Number.NaN : Number(env[SWEEP_MINUTES_ENV_VAR]);
  const graceSeconds =
    env[ORPHAN_GRACE_ENV_VAR] === undefined ? Number.NaN : Number(env[ORPHAN_GRACE_ENV_VAR]);
  const eventualMs =
    env[EVENTUAL_ENV_VAR] === undefined ? Number.NaN : Number(env[EVENTUAL_ENV_VAR]);
  const backgroundLoadBytes =
    env[BACKGROUND_LOAD_ENV_VAR] === undefined ? Number.NaN : Number(env[BACKGROUND_LOAD_ENV_VAR]);
  // Lambda names the function's memory (MB): the caches may take half of it.
  const functionMb = Number(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE);
  const cacheBytes =
    env[CACHE_BYTES_ENV_VAR] !== undefined
      ? Number(env[CACHE_BYTES_ENV_VAR])
      : functionMb > 0
        ? functionMb * 2 ** 19
        : Number.NaN;
  const catchUpThreads = env[CATCH_UP_THREADS_ENV_VAR];
  if (catchUpThreads !== undefined && !/^([1-9]\d?|1\d\d|2[0-4]\d|25[0-6])$/.test(catchUpThreads)) {
    throw new Error(
      `environment variable ${CATCH_UP_THREADS_ENV_VAR} must be an integer 1..256, got "${catchUpThreads}"`,
    );
  }
  const heldGraphBytes = env[HELD_GRAPH_BYTES_ENV_VAR];
  if (heldGraphBytes !== undefined && !/^\d{1,15}$/.test(heldGraphBytes)) {
    throw new Error(
      `environment variable ${HELD_GRAPH_BYTES_ENV_VAR} must be an integer of bytes ≥ 0, got "${heldGraphBytes}"`,
    );
  }
  return {
    ...(catchUpThreads !== undefined ? { catchUpThreads: Number(catchUpThreads) } : {}),
    ...(heldGraphBytes !== undefined
      ? { heldGraphBytes: Number(heldGraphBytes) }
      : functionMb > 512
        ? { heldGraphBytes: Math.floor(((functionMb - 512) * 2 ** 20) / 3) }
        : {}),
    ...(stateMachineArn ? { stateMachineArn } : {}),
    ...(importStateMachineArn ? { importStateMachineArn } : {}),
    ...(leaseSeconds > 0 ? { leaseMs: leaseSeconds * 1000 } : {}),
    ...(eventualMs >= 0 ? { eventualMs } : {}),
    ...(graceSeconds >= 0 ? { orphanGraceMs: graceSeconds * 1000 } : {}),
    ...(taskLeaseSeconds > 0 ? { taskLeaseMs: taskLeaseSeconds * 1000 } : {}),
    ...(importStallSeconds > 0 ? { importStallMs: importStallSeconds * 1000 } : {}),
    ...(sweepMinutes >= 0 ? { sweepMinutes } : {}),
    ...(backgroundLoadBytes >= 0 ? { backgroundLoadBytes } : {}),
    ...(cacheBytes >= 0 ? { cacheBytes } : {}),
    ...(onOff(env[CATALOG_FOLDS_ENV_VAR], `environment variable ${CATALOG_FOLDS_ENV_VAR}`) === false
      ? { catalogFolds: false }
      : {}),
    ...(onOff(env[ID_DIRECTORIES_ENV_VAR], `environment variable ${ID_DIRECTORIES_ENV_VAR}`) ===
    false
      ? { idDirectories: false }
      : {}),
    region: env.AWS_REGION ?? "us-east-1",
    bucket: required(BUCKET_ENV_VAR),
    tables,
    ...(local ? { endpoints: { s3, dynamodb, sfn, lambda } } : {}),
    ...(Object.keys(taskFunctions).length > 0 ? { taskFunctions } : {}),
    ...(local ? { credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } } : {}),
  };
}

/** The environment variables that make {@link settingsFromEnv} return `settings`. */
export function settingsToEnv(settings: Settings): Record<string, string> {
  const env: Record<string, string> = {
    AWS_REGION: settings.region,
    [BUCKET_ENV_VAR]: settings.bucket,
  };
  for (const [key, spec] of Object.entries(TABLES))
    env[spec.envVar] = settings.tables[key as TableKey];
  if (settings.endpoints?.s3) env[ENDPOINT_ENV.s3] = settings.endpoints.s3;
  if (settings.endpoints?.dynamodb) env[ENDPOINT_ENV.dynamodb] = settings.endpoints.dynamodb;
  if (settings.endpoints?.sfn) env[ENDPOINT_ENV.sfn] = settings.endpoints.sfn;
  if (settings.endpoints?.lambda) env[ENDPOINT_ENV.lambda] = settings.endpoints.lambda;
  if (settings.eventualMs !== undefined) env[EVENTUAL_ENV_VAR] = String(settings.eventualMs);
  if (settings.cacheBytes !== undefined) env[CACHE_BYTES_ENV_VAR] = String(settings.cacheBytes);
  if (settings.catchUpThreads !== undefined) {
    env[CATCH_UP_THREADS_ENV_VAR] = String(settings.catchUpThreads);
  }
  if (settings.heldGraphBytes !== undefined) {
    env[HELD_GRAPH_BYTES_ENV_VAR] = String(settings.heldGraphBytes);
  }
  if (settings.catalogFolds === false) env[CATALOG_FOLDS_ENV_VAR] = "off";
  if (settings.idDirectories === false) env[ID_DIRECTORIES_ENV_VAR] = "off";
  if (settings.backgroundLoadBytes !== undefined) {
    env[BACKGROUND_LOAD_ENV_VAR] = String(settings.backgroundLoadBytes);
  }
  if (settings.orphanGraceMs !== undefined) {
    env[ORPHAN_GRACE_ENV_VAR] = String(settings.orphanGraceMs / 1000);
  }
  return env;
}
