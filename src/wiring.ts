import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NodeHttpHandler, type NodeHttpHandlerOptions } from "@smithy/node-http-handler";
import { STATE_MACHINE_ENV_VAR } from "../infra/autotune-workflow";
import {
  BACKGROUND_TASKS,
  type BackgroundTaskName,
  taskFunctionEnvVar,
} from "../infra/background-tasks";
import { EVENTUAL_ENV_VAR } from "../infra/config";
import { IMPORT_STATE_MACHINE_ENV_VAR } from "../infra/import-workflow";
import { BUCKET_ENV_VAR, TABLES, type TableKey } from "../infra/tables";
import { DynamoImportStore } from "./adapters/dynamo-import-store";
import { DynamoIndexCatalog } from "./adapters/dynamo-index-catalog";
import { DynamoJobStore } from "./adapters/dynamo-job-store";
import { DynamoLeaseStore } from "./adapters/dynamo-lease-store";
import { DynamoPolicyStore } from "./adapters/dynamo-policy-store";
import { DynamoProfileRepository } from "./adapters/dynamo-profile-repository";
import { DynamoPromotionRegistry } from "./adapters/dynamo-promotion-registry";
import { DynamoTrialJournal } from "./adapters/dynamo-trial-journal";
import { LambdaBackgroundTasks } from "./adapters/lambda-tasks";
import { S3BlobStore } from "./adapters/s3-blob-store";
import { SfnStarter } from "./adapters/sfn-starter";
import { ActivationService } from "./app/activation-service";
import { AutotuneService } from "./app/autotune-service";
import { AutotuneTasks } from "./app/autotune-tasks";
import { Compactor } from "./app/compactor";
import { GenerationBuilder } from "./app/generation-builder";
import { Generations } from "./app/generations";
import { GraphCache } from "./app/graph-cache";
import { GraphFileCache } from "./app/graph-file-cache";
import { GraphMaintenance } from "./app/graph-maintenance";
import { HarnessService } from "./app/harness-service";
import { createHnswRunner, type HnswRunner } from "./app/hnsw-runner";
import { Housekeeping } from "./app/housekeeping";
import { ImportService } from "./app/import-service";
import { ImportTasks } from "./app/import-tasks";
import { IndexDeletion } from "./app/index-deletion";
import { IndexStates } from "./app/index-states";
import { IngestService } from "./app/ingest-service";
import { JobLedger } from "./app/job-ledger";
import { LiveState } from "./app/live-state";
import { OrphanSweeper } from "./app/orphan-sweeper";
import type {
  AutotuneInput,
  BackgroundTasks,
  ImportStarter,
  TrialJournal,
  WorkflowStarter,
} from "./app/ports";
import { ProfileService } from "./app/profile-service";
import { PromotionService } from "./app/promotion-service";
import { SearchService } from "./app/search-service";
import { SegmentStore } from "./app/segment-store";
import { TailCache } from "./app/tail-cache";
import { TrialService } from "./app/trial-service";
import { VectorStore } from "./app/vector-store";
import type { ImportInput } from "./domain/import-job";
import { catchUpDue } from "./domain/maintenance";
import { tracer } from "./telemetry";

/**
 * Where the service's resources are. On Lambda everything comes from the environment the CDK
 * stack sets; locally and in tests the endpoints point at the in-process emulators.
 */
export interface Settings {
  readonly region: string;
  readonly bucket: string;
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
   * Wraps the HTTP handler of the S3 or DynamoDB clients: for fault-injection tests only (the
   * SDK's own retries then run against the injected faults).
   */
  readonly wrapHandler?: (service: "s3" | "dynamodb", handler: NodeHttpHandler) => NodeHttpHandler;
  /** Background tasks' functions; without them tasks run in-process (local stack). */
  readonly taskFunctions?: Partial<Record<BackgroundTaskName, string>>;
}

/** Environment variables naming local emulator endpoints (unset on AWS). */
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
  return {
    ...(stateMachineArn ? { stateMachineArn } : {}),
    ...(importStateMachineArn ? { importStateMachineArn } : {}),
    ...(leaseSeconds > 0 ? { leaseMs: leaseSeconds * 1000 } : {}),
    ...(eventualMs >= 0 ? { eventualMs } : {}),
    ...(graceSeconds >= 0 ? { orphanGraceMs: graceSeconds * 1000 } : {}),
    ...(taskLeaseSeconds > 0 ? { taskLeaseMs: taskLeaseSeconds * 1000 } : {}),
    ...(importStallSeconds > 0 ? { importStallMs: importStallSeconds * 1000 } : {}),
    ...(sweepMinutes >= 0 ? { sweepMinutes } : {}),
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
  if (settings.orphanGraceMs !== undefined) {
    env[ORPHAN_GRACE_ENV_VAR] = String(settings.orphanGraceMs / 1000);
  }
  return env;
}

/**
 * Transient faults (throttling, 5xx, timeouts, dropped connections) are retried by the SDK's
 * standard strategy: exponential backoff with full jitter, up to 4 attempts. With the timeouts
 * below, a storage call gives up well inside API Gateway's 29-second budget, and the edge
 * answers 503.
 */
const STORAGE_RETRIES = { maxAttempts: 4 } as const;
/** A catalog call: connect within 1 s; no byte for 3 s is a timeout. */
const DYNAMODB_TIMEOUTS: NodeHttpHandlerOptions = { connectionTimeout: 1000, requestTimeout: 3000 };
/** An object call: connect within 2 s; no byte for 5 s is a timeout (large bodies stream). */
const S3_TIMEOUTS: NodeHttpHandlerOptions = { connectionTimeout: 2000, requestTimeout: 5000 };

/** The AWS SDK clients, configured for AWS or for the emulators. */
export interface Clients {
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  readonly doc: DynamoDBDocumentClient;
  readonly sfn: SFNClient;
  readonly lambda: LambdaClient;
}

export function createClients(settings: Settings): Clients {
  const common = {
    region: settings.region,
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  };
  // Resolve each command's middleware once per client, not on every call (a search's catalog
  // read is on the hot path). Nothing here adds middleware per command; the document client
  // refuses the option, so it wraps a client of its own.
  const cached = { ...common, cacheMiddleware: true };
  const handlerFor = (service: "s3" | "dynamodb", timeouts: NodeHttpHandlerOptions) => {
    const handler = new NodeHttpHandler(timeouts);
    return settings.wrapHandler ? settings.wrapHandler(service, handler) : handler;
  };
  const s3 = new S3Client({
    ...cached,
    ...STORAGE_RETRIES,
    requestHandler: handlerFor("s3", S3_TIMEOUTS),
    ...(settings.endpoints?.s3
      ? {
          endpoint: settings.endpoints.s3,
          // s3rver serves path-style URLs and does not speak the newer flexible checksums.
          forcePathStyle: true,
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
        }
      : {}),
  });
  const dynamoEndpoint = settings.endpoints?.dynamodb
    ? { endpoint: settings.endpoints.dynamodb }
    : {};
  const dynamoClient = (base: typeof common) =>
    new DynamoDBClient({
      ...base,
      ...dynamoEndpoint,
      ...STORAGE_RETRIES,
      requestHandler: handlerFor("dynamodb", DYNAMODB_TIMEOUTS),
    });
  const dynamodb = dynamoClient(cached);
  const docBase = dynamoClient(common);
  const doc = DynamoDBDocumentClient.from(docBase, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sfn = new SFNClient({
    ...cached,
    ...(settings.endpoints?.sfn ? { endpoint: settings.endpoints.sfn } : {}),
  });
  const lambda = new LambdaClient({
    ...cached,
    ...(settings.endpoints?.lambda ? { endpoint: settings.endpoints.lambda } : {}),
  });
  // On Lambda, every AWS call is a subsegment of the invocation's trace (no-op elsewhere).
  for (const client of [s3, dynamodb, docBase, sfn, lambda]) tracer.captureAWSv3Client(client);
  return { s3, dynamodb, doc, sfn, lambda };
}

/** Everything a handler may use. Built once per module (one Lambda = one module). */
export interface Services {
  readonly settings: Settings;
  readonly vectors: VectorStore;
  readonly journal: TrialJournal;
  readonly harnesses: HarnessService;
  readonly trials: TrialService;
  readonly promotions: PromotionService;
  readonly activation: ActivationService;
  readonly search: SearchService;
  readonly profiles: ProfileService;
  readonly autotune: AutotuneService;
  readonly autotuneTasks: AutotuneTasks;
  readonly ingest: IngestService;
  readonly deletion: IndexDeletion;
  readonly runner: HnswRunner;
  readonly compactor: Compactor;
  readonly housekeeping: Housekeeping;
  readonly imports: ImportService;
  readonly importTasks: ImportTasks;
  /** The graph file kept for the next catch-up on this instance. */
  readonly graphFiles: GraphFileCache;
  readonly maintenance: GraphMaintenance;
  readonly builder: GenerationBuilder;
  readonly tasks: BackgroundTasks;
  /** Stops the worker threads. */
  close(): Promise<void>;
}

export function createServices(settings: Settings): Services {
  const clients = createClients(settings);
  const blobs = new S3BlobStore(clients.s3, settings.bucket);
  const catalog = new DynamoIndexCatalog(clients.doc, settings.tables.indexes, clients.dynamodb);
  const journal = new DynamoTrialJournal(clients.doc, settings.tables.trials);
  const runner = createHnswRunner();
  const segments = new SegmentStore(blobs);
  const leases = new DynamoLeaseStore(clients.doc, settings.tables.leases);
  const tasks: BackgroundTasks = settings.taskFunctions
    ? new LambdaBackgroundTasks(clients.lambda, settings.taskFunctions)
    : inProcessTasks();
  const sweeper = new OrphanSweeper({
    catalog,
    blobs,
    ...(settings.orphanGraceMs !== undefined ? { graceMs: settings.orphanGraceMs } : {}),
  });
  const taskLease = settings.taskLeaseMs !== undefined ? { leaseMs: settings.taskLeaseMs } : {};
  const compactor = new Compactor({ catalog, segments, leases, sweeper, ...taskLease });
  const vectors = new VectorStore({
    catalog,
    blobs,
    segments,
    live: new LiveState(segments),
    background: {
      tasks,
      due: (record) => [
        ...(compactor.due(record) ? (["compact"] as const) : []),
        ...(catchUpDue(record) ? (["catchUp"] as const) : []),
      ],
    },
  });
  const harnesses = new HarnessService({ blobs, vectors, runner });
  const trials = new TrialService({ blobs, journal, vectors, harnesses, runner });
  const registry = new DynamoPromotionRegistry(clients.doc, settings.tables.promotions);
  const promotions = new PromotionService({ registry, trials, vectors });
  const generations = new Generations({ catalog, blobs });
  const graphFiles = new GraphFileCache();
  const builder = new GenerationBuilder({
    blobs,
    vectors,
    segments,
    runner,
    generations,
    files: graphFiles,
  });
  const maintenance = new GraphMaintenance({ vectors, generations, leases, builder, ...taskLease });
  const activation = new ActivationService({ blobs, vectors, promotions, generations, builder });
  const search = new SearchService({
    vectors,
    states: new IndexStates({
      catalog,
      ...(settings.eventualMs !== undefined ? { eventualMs: settings.eventualMs } : {}),
    }),
    graphs: new GraphCache(blobs),
    tails: new TailCache(segments),
  });
  const profileRepository = new DynamoProfileRepository(clients.doc, settings.tables.profiles);
  const profiles = new ProfileService({ profiles: profileRepository, vectors, activation, search });
  const policies = new DynamoPolicyStore(clients.doc, settings.tables.policies);
  const ledger = new JobLedger({
    jobs: new DynamoJobStore(clients.doc, settings.tables.jobs),
    leases,
    ...(settings.leaseMs ? { leaseMs: settings.leaseMs } : {}),
  });
  const autotune = new AutotuneService({
    ledger,
    policies,
    workflow: settings.stateMachineArn
      ? new SfnStarter<AutotuneInput>(clients.sfn, settings.stateMachineArn, (i) => i.job_id)
      : inProcessWorkflow(),
    vectors,
    harnesses,
  });
  const autotuneTasks = new AutotuneTasks({
    ledger,
    vectors,
    harnesses,
    trials,
    journal,
    promotions,
  });
  const ingest = new IngestService(vectors, autotune);
  const importStore = new DynamoImportStore(clients.doc, settings.tables.imports);
  const deletion = new IndexDeletion({ vectors, promotions, policies, leases });
  return {
    settings,
    vectors,
    journal,
    harnesses,
    trials,
    promotions,
    activation,
    search,
    profiles,
    autotune,
    autotuneTasks,
    ingest,
    deletion,
    runner,
    compactor,
    imports: new ImportService({
      imports: importStore,
      starter: settings.importStateMachineArn
        ? new SfnStarter<ImportInput>(
            clients.sfn,
            settings.importStateMachineArn,
            (i) => i.import_id,
          )
        : inProcessImports(),
      vectors,
      blobs,
      bucket: settings.bucket,
      ...(settings.importStallMs !== undefined ? { stallMs: settings.importStallMs } : {}),
    }),
    importTasks: new ImportTasks({ imports: importStore, vectors, blobs }),
    graphFiles,
    housekeeping: new Housekeeping({
      vectors,
      tasks,
      ...(settings.sweepMinutes !== undefined ? { sweepMinutes: settings.sweepMinutes } : {}),
    }),
    maintenance,
    builder,
    tasks,
    close: () => runner.close(),
  };
}

/**
 * The local stack's background tasks, loaded on first use by a computed specifier so Lambda
 * bundles never include them (on AWS every function that starts a task has its function's name).
 */
function inProcessTasks(): BackgroundTasks {
  const load = async () => {
    const specifier = new URL("./local/local-tasks.ts", import.meta.url).href;
    return ((await import(/* @vite-ignore */ specifier)) as typeof import("./local/local-tasks"))
      .localTasks;
  };
  return {
    async start(task, indexName) {
      (await load())().start(task, indexName);
    },
  };
}

/**
 * The local stack's workflow runner, loaded on first use by a computed specifier so Lambda
 * bundles never include it (on AWS every function that starts autotune has the state machine).
 */
function inProcessWorkflow(): WorkflowStarter {
  return {
    async start(input) {
      await (await localWorkflows()).localWorkflow().start(input);
    },
  };
}

/** The local stack's import runner, loaded on first use (see {@link inProcessWorkflow}). */
function inProcessImports(): ImportStarter {
  return {
    async start(input) {
      await (await localWorkflows()).localImports().start(input);
    },
  };
}

async function localWorkflows() {
  const specifier = new URL("./local/local-workflow.ts", import.meta.url).href;
  return (await import(/* @vite-ignore */ specifier)) as typeof import("./local/local-workflow");
}
