import { DynamoImportStore } from "./adapters/dynamo-import-store";
import { DynamoIndexCatalog } from "./adapters/dynamo-index-catalog";
import { DynamoJobStore } from "./adapters/dynamo-job-store";
import { DynamoLeaseStore } from "./adapters/dynamo-lease-store";
import { DynamoPolicyStore } from "./adapters/dynamo-policy-store";
import { DynamoProfileRepository } from "./adapters/dynamo-profile-repository";
import { DynamoPromotionRegistry } from "./adapters/dynamo-promotion-registry";
import { DynamoRunStore } from "./adapters/dynamo-run-store";
import { DynamoTrialJournal } from "./adapters/dynamo-trial-journal";
import { LambdaBackgroundTasks } from "./adapters/lambda-tasks";
import { S3BlobStore } from "./adapters/s3-blob-store";
import { SegmentLists } from "./adapters/segment-lists";
import { SfnStarter } from "./adapters/sfn-starter";
import { ActivationJobs } from "./app/activation-jobs";
import { ActivationService } from "./app/activation-service";
import { AutotuneDecision } from "./app/autotune-decision";
import { AutotunePolicies } from "./app/autotune-policies";
import { AutotuneService } from "./app/autotune-service";
import { AutotuneTasks } from "./app/autotune-tasks";
import { ByteBudget } from "./app/byte-budget";
import { Compactor } from "./app/compactor";
import { DirectoryBackfill } from "./app/directory-backfill";
import { GenerationBuilder } from "./app/generation-builder";
import { Generations } from "./app/generations";
import { GraphCache } from "./app/graph-cache";
import { GraphFileCache } from "./app/graph-file-cache";
import { GraphMaintenance } from "./app/graph-maintenance";
import { HarnessDeletion } from "./app/harness-deletion";
import { HarnessRuns } from "./app/harness-runs";
import { HarnessService } from "./app/harness-service";
import { createHnswRunner } from "./app/hnsw-runner";
import { Housekeeping } from "./app/housekeeping";
import { IdDirectoryBuilder } from "./app/id-directory-builder";
import { ImportService } from "./app/import-service";
import { ImportTasks } from "./app/import-tasks";
import { IncarnationPurger } from "./app/incarnation-purger";
import { IndexDeletion } from "./app/index-deletion";
import { IndexStates } from "./app/index-states";
import { IngestService } from "./app/ingest-service";
import { JobLedger } from "./app/job-ledger";
import { LiveState } from "./app/live-state";
import { OrphanSweeper } from "./app/orphan-sweeper";
import type { BlobStore } from "./app/ports";
import { ProfileService } from "./app/profile-service";
import { PromotionService } from "./app/promotion-service";
import { SearchService } from "./app/search-service";
import { SegmentStore } from "./app/segment-store";
import { TailCache } from "./app/tail-cache";
import { TaskRuns } from "./app/task-runs";
import { TrialHistory } from "./app/trial-history";
import { TrialRuns } from "./app/trial-runs";
import { TrialService } from "./app/trial-service";
import { VectorStore } from "./app/vector-store";
import type { AutotuneInput, BackgroundTasks } from "./app/work-ports";
import { type Clients, createClients } from "./clients";
import { DEFAULT_COMPACTION } from "./domain/compaction";
import type { ImportInput } from "./domain/import-job";
import { catchUpDue } from "./domain/maintenance";
import { inProcessImports, inProcessTasks, inProcessWorkflow } from "./in-process-starters";
import type { Services } from "./services-type";
import type { Settings } from "./settings";

export type { Services } from "./services-type";

/**
 * The index catalog on `settings`' table, with its segment lists in `settings`' bucket (the
 * services' own, and what tools and tests read the catalog with).
 */
export function createCatalog(
  settings: Settings,
  clients: Clients = createClients(settings),
  blobs: BlobStore = new S3BlobStore(clients.s3, settings.bucket),
  budget?: ByteBudget,
  /** List objects an index listing reads at once (default 16; 1 for the bench's baseline). */
  listObjectReads?: number,
): DynamoIndexCatalog {
  return new DynamoIndexCatalog(
    clients.doc,
    settings.tables.indexes,
    new SegmentLists(blobs, budget),
    clients.dynamodb,
    listObjectReads,
  );
}

/**
 * Every use case of the service, wired to its adapters from `settings`: the one factory Lambda
 * handlers, the local server and tests share. Caches share one byte budget (`settings.cacheBytes`).
 */
export function createServices(settings: Settings): Services {
  const clients = createClients(settings);
  const blobs = new S3BlobStore(clients.s3, settings.bucket);
  // What this instance's caches (loaded vectors, graphs, tails, manifests, id digests, segment
  // lists) hold together, across indexes.
  const caches = new ByteBudget(settings.cacheBytes);
  const catalog = createCatalog(settings, clients, blobs, caches);
  const journal = new DynamoTrialJournal(clients.doc, settings.tables.trials);
  const runner = createHnswRunner({
    ...(settings.catchUpThreads !== undefined ? { catchUpThreads: settings.catchUpThreads } : {}),
    ...(settings.heldGraphBytes !== undefined ? { heldGraphBytes: settings.heldGraphBytes } : {}),
  });
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
  const backfill = new DirectoryBackfill({ catalog, segments });
  const policy = { ...DEFAULT_COMPACTION, folds: settings.catalogFolds ?? true };
  const compactor = new Compactor({
    catalog,
    segments,
    leases,
    sweeper,
    backfill,
    idDirectories: new IdDirectoryBuilder({
      catalog,
      segments,
      blobs,
      policy,
      enabled: settings.idDirectories ?? true,
    }),
    policy,
    ...taskLease,
  });
  const vectors = new VectorStore({
    catalog,
    segments,
    live: new LiveState(segments, caches, { directories: settings.idDirectories ?? true }),
    budget: caches,
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
  const trialHistory = new TrialHistory({ journal, vectors });
  const registry = new DynamoPromotionRegistry(clients.doc, settings.tables.promotions);
  const promotions = new PromotionService({ registry, trials: trialHistory, vectors });
  const generations = new Generations({ catalog, blobs });
  const graphFiles = new GraphFileCache(
    settings.heldGraphBytes !== undefined ? { keepBytes: settings.heldGraphBytes } : {},
  );
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
    graphs: new GraphCache(blobs, {
      ...(settings.backgroundLoadBytes !== undefined
        ? { backgroundLoadBytes: settings.backgroundLoadBytes }
        : {}),
      budget: caches,
    }),
    tails: new TailCache(segments, caches),
  });
  const profileRepository = new DynamoProfileRepository(clients.doc, settings.tables.profiles);
  const runs = new TaskRuns({
    store: new DynamoRunStore(clients.doc, settings.tables.runs),
    tasks,
  });
  const activationJobs = new ActivationJobs({ runs, vectors, activation });
  const trialRuns = new TrialRuns({ runs, trials });
  const harnessRuns = new HarnessRuns({ runs, harnesses, blobs });
  const profiles = new ProfileService({
    profiles: profileRepository,
    vectors,
    activations: activationJobs,
    search,
  });
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
  });
  const autotuneDecision = new AutotuneDecision({ ledger, journal, promotions });
  const autotunePolicies = new AutotunePolicies({ autotune, policies, vectors, ledger });
  const ingest = new IngestService(vectors, autotunePolicies);
  const importStore = new DynamoImportStore(clients.doc, settings.tables.imports);
  const deletion = new IndexDeletion({ vectors, promotions, policies, leases, tasks });
  const purger = new IncarnationPurger({ catalog, blobs });
  return {
    settings,
    vectors,
    journal,
    harnesses,
    harnessDeletion: new HarnessDeletion({ harnesses, policies }),
    trials,
    trialHistory,
    promotions,
    activation,
    activationJobs,
    trialRuns,
    harnessRuns,
    search,
    profiles,
    autotune,
    policies: autotunePolicies,
    autotuneTasks,
    autotuneDecision,
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
    purger,
    housekeeping: new Housekeeping({
      vectors,
      tasks,
      purger,
      harnesses: harnesses.store,
      ...(settings.sweepMinutes !== undefined ? { sweepMinutes: settings.sweepMinutes } : {}),
      ...(settings.orphanGraceMs !== undefined ? { orphanGraceMs: settings.orphanGraceMs } : {}),
    }),
    maintenance,
    builder,
    tasks,
    async close() {
      await runner.close();
      await graphFiles.clear();
    },
  };
}
