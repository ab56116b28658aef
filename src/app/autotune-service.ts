import { monotonicFactory } from "ulid";
import { DEFAULT_GRID, type Job, type JobTrigger, planGroups } from "../domain/autotune";
import { ConflictError, ValidationError } from "../domain/errors";
import type { IndexRecord } from "../domain/index-record";
import { resolveTuning, type Tuning, type TuningRequest } from "../domain/tuning";
import type { HarnessService } from "./harness-service";
import type { JobLedger } from "./job-ledger";
import type { PolicyStore } from "./ports";
import type { VectorStore } from "./vector-store";
import type { WorkflowStarter } from "./work-ports";

/** The ports and services {@link AutotuneService} is built from (see `createServices`). */
export interface AutotuneServiceDeps {
  readonly ledger: JobLedger;
  readonly policies: PolicyStore;
  readonly workflow: WorkflowStarter;
  readonly vectors: VectorStore;
  readonly harnesses: HarnessService;
}

/** A request to start an autotune job on an index with one of its harnesses. */
export interface StartRequest {
  /** The index to tune. */
  readonly indexName: string;
  /** The harness of the index to measure against. */
  readonly harness: string;
  /** The strategy and its settings, as the request gave them (defaults resolved here). */
  readonly tuning?: TuningRequest | undefined;
  /** Build groups run at once (default 0: all of a round at once). */
  readonly maxConcurrency?: number | undefined;
  /** What starts it. */
  readonly trigger: JobTrigger;
  /** Who starts it (the caller's identity, or the trigger). */
  readonly startedBy: string;
  /**
   * Recompute the harness's ground truth first if the index changed since (default `false`: a stale
   * harness is refused).
   */
  readonly refreshHarness?: boolean;
}

/**
 * Autotune's API side: starts the workflow (one per index at a time, under a lease) and reads
 * jobs (settling those whose run died). Policies and their triggers are in
 * {@link AutotunePolicies}; the workflow's own tasks in {@link AutotuneTasks}.
 */
export class AutotuneService {
  private readonly deps: AutotuneServiceDeps;
  private readonly ledger: JobLedger;
  private readonly newJobId = monotonicFactory();

  constructor(deps: AutotuneServiceDeps) {
    this.deps = deps;
    this.ledger = deps.ledger;
  }

  /** Starts an autotune; 409 `autotune_running` (with its job id) when one runs on the index. */
  async start(request: StartRequest): Promise<Job> {
    const { record, tuning } = await this.prepare(
      request.indexName,
      request.harness,
      request.tuning ?? {},
    );
    const jobId = this.newJobId();
    const startedAt = this.ledger.now();
    const lease = await this.ledger.acquireLease(request.indexName, jobId);
    if (!lease.acquired) {
      throw new ConflictError(
        "autotune_running",
        `an autotune of index "${request.indexName}" is running (job ${lease.holder})`,
        { job_id: lease.holder },
      );
    }
    const job: Job = {
      job_id: jobId,
      index_name: request.indexName,
      index_uid: record.uid,
      harness: request.harness,
      status: "RUNNING",
      trigger: request.trigger,
      started_by: request.startedBy,
      strategy: tuning.strategy,
      grid: tuning.strategy === "max_recall" ? (tuning.grid ?? DEFAULT_GRID) : null,
      space: tuning.strategy === "target_recall" ? tuning.space : null,
      max_builds: tuning.strategy === "target_recall" ? tuning.max_builds : null,
      min_recall: tuning.min_recall,
      trials: [],
      winner: null,
      promoted: false,
      reason: null,
      failed_groups: [],
      pareto_front: [],
      stop_reason: null,
      progress: { round: 0, builds_planned: 0, builds_done: 0 },
      started_at: startedAt.toISOString(),
      finished_at: null,
      duration_ms: null,
    };
    try {
      await this.ledger.jobs.create(job);
      await this.deps.policies.recordStart(
        request.indexName,
        jobId,
        job.started_at,
        record.vectorsWritten,
      );
      await this.deps.workflow.start({
        job_id: jobId,
        index_name: request.indexName,
        harness: request.harness,
        tuning,
        max_concurrency: request.maxConcurrency ?? 0,
        refresh_harness: request.refreshHarness ?? false,
      });
    } catch (err) {
      await this.ledger.fail(job, `could not start the workflow: ${(err as Error).message}`);
      throw err;
    }
    this.ledger.log("autotune started", {
      index_name: request.indexName,
      job_id: jobId,
      trigger: request.trigger,
      strategy: tuning.strategy,
      reason: `${request.trigger} request`,
    });
    return job;
  }

  /** One job, settled as FAILED when its run died (see {@link JobLedger.settleAbandoned}). */
  async get(jobId: string): Promise<Job> {
    return this.ledger.settleAbandoned(await this.ledger.require(jobId));
  }

  /** Waits up to `seconds` for the job to finish; returns its latest state either way. */
  async waitFor(jobId: string, seconds: number): Promise<Job> {
    const deadline = Date.now() + seconds * 1000;
    let job = await this.get(jobId);
    while (job.status === "RUNNING" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = await this.get(jobId);
    }
    return job;
  }

  /** The index's recent jobs, newest first (an earlier index of the same name's are left out). */
  async list(indexName: string, limit: number): Promise<Job[]> {
    const index = await this.deps.vectors.getIndex(indexName);
    const jobs = await this.ledger.jobs.listByIndex(indexName, limit);
    const ours = jobs.filter((job) => (job.index_uid ?? index.uid) === index.uid);
    return Promise.all(ours.map((job) => this.ledger.settleAbandoned(job)));
  }

  /**
   * Checks what an autotune of `indexName` with `harness` needs before anything is written: the
   * index exists, the harness is over it, and the tuning request resolves (a grid's duplicate
   * entries are refused). Returns the index's record and the resolved tuning.
   */
  async prepare(
    indexName: string,
    harness: string,
    request: TuningRequest,
  ): Promise<{ record: IndexRecord; tuning: Tuning }> {
    const record = await this.deps.vectors.getIndex(indexName);
    await this.requireHarnessOf(harness, indexName);
    const tuning = resolveTuning(request);
    if (tuning.strategy === "max_recall" && tuning.grid) planGroups(tuning.grid);
    return { record, tuning };
  }

  private async requireHarnessOf(name: string, indexName: string) {
    const harness = await this.deps.harnesses.describe(name);
    if (harness.indexName !== indexName) {
      throw new ValidationError(
        `harness "${name}" is over index "${harness.indexName}", not "${indexName}"`,
        "harness_index_mismatch",
      );
    }
    return harness;
  }
}
