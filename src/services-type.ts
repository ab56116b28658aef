// The services `createServices` (./wiring.ts) builds: what every handler may use.

import type { ActivationJobs } from "./app/activation-jobs";
import type { ActivationService } from "./app/activation-service";
import type { AutotuneDecision } from "./app/autotune-decision";
import type { AutotunePolicies } from "./app/autotune-policies";
import type { AutotuneService } from "./app/autotune-service";
import type { AutotuneTasks } from "./app/autotune-tasks";
import type { Compactor } from "./app/compactor";
import type { GenerationBuilder } from "./app/generation-builder";
import type { GraphFileCache } from "./app/graph-file-cache";
import type { GraphMaintenance } from "./app/graph-maintenance";
import type { HarnessDeletion } from "./app/harness-deletion";
import type { HarnessRuns } from "./app/harness-runs";
import type { HarnessService } from "./app/harness-service";
import type { HnswRunner } from "./app/hnsw-runner";
import type { Housekeeping } from "./app/housekeeping";
import type { ImportService } from "./app/import-service";
import type { ImportTasks } from "./app/import-tasks";
import type { IncarnationPurger } from "./app/incarnation-purger";
import type { IndexDeletion } from "./app/index-deletion";
import type { IngestService } from "./app/ingest-service";
import type { TrialJournal } from "./app/ports";
import type { ProfileService } from "./app/profile-service";
import type { PromotionService } from "./app/promotion-service";
import type { SearchService } from "./app/search-service";
import type { TrialHistory } from "./app/trial-history";
import type { TrialRuns } from "./app/trial-runs";
import type { TrialService } from "./app/trial-service";
import type { VectorStore } from "./app/vector-store";
import type { BackgroundTasks } from "./app/work-ports";
import type { Settings } from "./settings";

/** Everything a handler may use. Built once per module (one Lambda = one module). */
export interface Services {
  /** What the services were built from. */
  readonly settings: Settings;
  /** Indexes and their vectors. */
  readonly vectors: VectorStore;
  /** The append-only trial journal. */
  readonly journal: TrialJournal;
  /** Harnesses: queries with exact ground truth. */
  readonly harnesses: HarnessService;
  /** Deleting harnesses (kept while a policy names one). */
  readonly harnessDeletion: HarnessDeletion;
  /** Builds and measures trials. */
  readonly trials: TrialService;
  /** Reads the trial journal of an index's current incarnation. */
  readonly trialHistory: TrialHistory;
  /** The promotion registry: promote, roll back. */
  readonly promotions: PromotionService;
  /** Makes and serves a generation. */
  readonly activation: ActivationService;
  /** Activation requests, each run as the `activate` task. */
  readonly activationJobs: ActivationJobs;
  /** Manual trials, each run as the `trial` task. */
  readonly trialRuns: TrialRuns;
  /** Harnesses' ground truth, each computed as the `harness` task. */
  readonly harnessRuns: HarnessRuns;
  /** Removes the objects of deleted indexes (the `purge` task). */
  readonly purger: IncarnationPurger;
  /** Searches, exact or through the active graph. */
  readonly search: SearchService;
  /** Search profiles. */
  readonly profiles: ProfileService;
  /** Starts and reads autotune jobs. */
  readonly autotune: AutotuneService;
  /** Autotune policies and their triggers. */
  readonly policies: AutotunePolicies;
  /** The autotune workflow's tasks. */
  readonly autotuneTasks: AutotuneTasks;
  /** The autotune workflow's decision and promotion. */
  readonly autotuneDecision: AutotuneDecision;
  /** Upserts, with the append trigger. */
  readonly ingest: IngestService;
  /** Deletes indexes. */
  readonly deletion: IndexDeletion;
  /** Runs hnswlib work on worker threads. */
  readonly runner: HnswRunner;
  /** Compacts segment lists (the `compact` task). */
  readonly compactor: Compactor;
  /** The scheduled sweeps. */
  readonly housekeeping: Housekeeping;
  /** Starts and reads bulk imports. */
  readonly imports: ImportService;
  /** The import workflow's tasks. */
  readonly importTasks: ImportTasks;
  /** The graph file kept for the next catch-up on this instance. */
  readonly graphFiles: GraphFileCache;
  /** Catches active graphs up (the `catchUp` task). */
  readonly maintenance: GraphMaintenance;
  /** Makes generations: builds, catch-ups, copies. */
  readonly builder: GenerationBuilder;
  /** Starts background tasks. */
  readonly tasks: BackgroundTasks;
  /** Stops the worker threads, and removes the graph files kept on local disk. */
  close(): Promise<void>;
}
