import { monotonicFactory } from "ulid";
import {
  appendDue,
  DEFAULT_GRID,
  type Job,
  type JobTrigger,
  type Policy,
  planGroups,
  scheduleDue,
} from "../domain/autotune";
import { ConflictError, NotFoundError, ValidationError } from "../domain/errors";
import type { IndexRecord } from "../domain/index-record";
import { resolveTuning, type Tuning, type TuningRequest } from "../domain/tuning";
import type { HarnessService } from "./harness-service";
import type { JobLedger } from "./job-ledger";
import type { PolicyStore, WorkflowStarter } from "./ports";
import type { VectorStore } from "./vector-store";

export interface AutotuneServiceDeps {
  readonly ledger: JobLedger;
  readonly policies: PolicyStore;
  readonly workflow: WorkflowStarter;
  readonly vectors: VectorStore;
  readonly harnesses: HarnessService;
}

export interface StartRequest {
  readonly indexName: string;
  readonly harness: string;
  /** The strategy and its settings, as the request gave them (defaults resolved here). */
  readonly tuning?: TuningRequest | undefined;
  readonly maxConcurrency?: number | undefined;
  readonly trigger: JobTrigger;
  /** Who starts it (the caller's identity, or the trigger). */
  readonly startedBy: string;
  readonly refreshHarness?: boolean;
}

/**
 * Autotune's API side: starts the workflow (one per index at a time, under a lease), reads jobs
 * (settling those whose run died), and runs the policies and their two triggers (schedule,
 * append). The workflow's own tasks are in {@link AutotuneTasks}.
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
    const record = await this.deps.vectors.getIndex(request.indexName);
    await this.requireHarnessOf(request.harness, request.indexName);
    const tuning = this.resolve(request.tuning ?? {});
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

  async putPolicy(
    indexName: string,
    request: {
      harness: string;
      tuning: TuningRequest;
      everyMinutes?: number | undefined;
      minNewVectors?: number | undefined;
    },
  ): Promise<Policy> {
    const record = await this.deps.vectors.getIndex(indexName);
    await this.requireHarnessOf(request.harness, indexName);
    const tuning = this.resolve(request.tuning);
    return this.deps.policies.put(
      {
        index_name: indexName,
        index_uid: record.uid,
        harness: request.harness,
        strategy: tuning.strategy,
        min_recall: tuning.min_recall,
        grid: tuning.strategy === "max_recall" ? tuning.grid : null,
        space: tuning.strategy === "target_recall" ? tuning.space : null,
        max_builds: tuning.strategy === "target_recall" ? tuning.max_builds : null,
        every_minutes: request.everyMinutes ?? null,
        min_new_vectors: request.minNewVectors ?? null,
      },
      this.ledger.now().toISOString(),
      record.vectorsWritten,
    );
  }

  async getPolicy(indexName: string): Promise<Policy> {
    const index = await this.deps.vectors.findIndex(indexName);
    const policy = await this.deps.policies.get(indexName);
    if (!policy || !index || !this.ours(policy, index)) {
      throw new NotFoundError("policy_not_found", `index "${indexName}" has no autotune policy`);
    }
    return policy;
  }

  /** A policy set for an earlier index of the same name is not this index's. */
  private ours(policy: Policy, index: IndexRecord): boolean {
    return (policy.index_uid ?? index.uid) === index.uid;
  }

  async deletePolicy(indexName: string): Promise<void> {
    if (!(await this.deps.policies.delete(indexName))) {
      throw new NotFoundError("policy_not_found", `index "${indexName}" has no autotune policy`);
    }
  }

  /** The scheduled trigger: starts an autotune for each index whose policy is due. */
  async runScheduled(): Promise<{ started: string[]; skipped: string[] }> {
    const now = this.ledger.now();
    const started: string[] = [];
    const skipped: string[] = [];
    for (const policy of await this.deps.policies.list()) {
      if (policy.every_minutes === null) continue;
      const index = await this.deps.vectors.findIndex(policy.index_name);
      if (!index || !this.ours(policy, index)) {
        // Left by a deleted index (its deletion could not remove it): it never fires.
        this.ledger.log("autotune skipped", {
          index_name: policy.index_name,
          trigger: "schedule",
          reason: "the policy belongs to a deleted index; removed",
        });
        await this.deps.policies.delete(policy.index_name);
        skipped.push(policy.index_name);
        continue;
      }
      if (!scheduleDue(policy, now)) {
        this.ledger.log("autotune skipped", {
          index_name: policy.index_name,
          trigger: "schedule",
          reason: `not due: every ${policy.every_minutes} min, last started ${policy.last_started_at}`,
        });
        skipped.push(policy.index_name);
        continue;
      }
      (await this.startFromPolicy(policy, "schedule", "schedule due"))
        ? started.push(policy.index_name)
        : skipped.push(policy.index_name);
    }
    return { started, skipped };
  }

  /**
   * The append trigger, after a write by `writer`: tunes once enough new vectors were written.
   * The job records the writer as the one who started it.
   */
  async afterAppend(record: IndexRecord, writer: string): Promise<string | null> {
    const policy = await this.deps.policies.get(record.name);
    if (!policy || !this.ours(policy, record) || !appendDue(policy, record.vectorsWritten)) {
      return null;
    }
    const written = record.vectorsWritten - policy.vectors_written_at_last_start;
    return this.startFromPolicy(
      policy,
      "append",
      `${written} vectors written since the last autotune (min_new_vectors ${policy.min_new_vectors})`,
      writer,
    );
  }

  /** Resolves a tuning request; a grid's duplicate entries are refused before anything starts. */
  private resolve(request: TuningRequest): Tuning {
    const tuning = resolveTuning(request);
    if (tuning.strategy === "max_recall" && tuning.grid) planGroups(tuning.grid);
    return tuning;
  }

  private async startFromPolicy(
    policy: Policy,
    trigger: JobTrigger,
    reason: string,
    startedBy: string = trigger,
  ): Promise<string | null> {
    try {
      const job = await this.start({
        indexName: policy.index_name,
        harness: policy.harness,
        tuning: {
          strategy: policy.strategy ?? "max_recall",
          min_recall: policy.min_recall,
          grid: policy.grid ?? undefined,
          space: policy.space ?? undefined,
          max_builds: policy.max_builds ?? undefined,
        },
        trigger,
        startedBy,
        refreshHarness: true,
      });
      this.ledger.log("autotune triggered", {
        index_name: policy.index_name,
        job_id: job.job_id,
        trigger,
        reason,
      });
      return job.job_id;
    } catch (err) {
      if (err instanceof ConflictError && err.code === "autotune_running") {
        this.ledger.log("autotune skipped", {
          index_name: policy.index_name,
          trigger,
          reason: err.message,
        });
        return null;
      }
      if (err instanceof NotFoundError || err instanceof ValidationError) {
        this.ledger.log("autotune skipped", {
          index_name: policy.index_name,
          trigger,
          reason: `policy cannot run: ${err.message}`,
        });
        return null;
      }
      throw err;
    }
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
