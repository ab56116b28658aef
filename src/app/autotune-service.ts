import { monotonicFactory } from "ulid";
import {
  appendDue,
  type BuildGroup,
  DEFAULT_GRID,
  DEFAULT_MIN_RECALL,
  decide,
  type FailedGroup,
  type GridEntry,
  type Job,
  type JobTrigger,
  type Policy,
  planGroups,
  scheduleDue,
  winnerNote,
} from "../domain/autotune";
import { ConflictError, NotFoundError, ValidationError } from "../domain/errors";
import { isStale } from "../domain/harness";
import type { IndexRecord } from "../domain/index-record";
import type { Trial } from "../domain/trial";
import { logger } from "../logger";
import { recordAutotune } from "../telemetry";
import type { HarnessService } from "./harness-service";
import type { AutotuneInput, JobStore, LeaseStore, PolicyStore, WorkflowStarter } from "./ports";
import type { PromotionService } from "./promotion-service";
import type { TrialService } from "./trial-service";
import type { VectorStore } from "./vector-store";

/** How long a lease holds without renewal: a crashed run frees its index after this. */
export const DEFAULT_LEASE_MS = 30 * 60_000;

export interface AutotuneServiceDeps {
  readonly jobs: JobStore;
  readonly leases: LeaseStore;
  readonly policies: PolicyStore;
  readonly workflow: WorkflowStarter;
  readonly vectors: VectorStore;
  readonly harnesses: HarnessService;
  readonly trials: TrialService;
  readonly promotions: PromotionService;
  readonly leaseMs?: number;
  readonly now?: () => Date;
  /** Where start, skip and finish lines go (default: the service logger). */
  readonly log?: (message: string, fields: Record<string, unknown>) => void;
}

export interface StartRequest {
  readonly indexName: string;
  readonly harness: string;
  readonly minRecall?: number | undefined;
  readonly grid?: readonly GridEntry[] | undefined;
  readonly maxConcurrency?: number | undefined;
  readonly trigger: JobTrigger;
  /** Who starts it (the caller's identity, or the trigger). */
  readonly startedBy: string;
  readonly refreshHarness?: boolean;
}

/** What a build-group task returns, or what the workflow's Catch makes of a failed one. */
export type GroupOutcome =
  | { readonly group: BuildGroup; readonly trials: readonly Trial[] }
  | {
      readonly failed: true;
      readonly group: BuildGroup;
      readonly error: { Error?: string; Cause?: string };
    };

/** The state the Decide task receives. */
export interface DecideInput extends AutotuneInput {
  readonly groups?: readonly GroupOutcome[];
  readonly error?: { Error?: string; Cause?: string };
}

/** The message of a Step Functions error output (a Lambda error's Cause is JSON). */
function errorText(error: { Error?: string; Cause?: string } | undefined): string {
  if (!error) return "unknown error";
  try {
    const cause = JSON.parse(error.Cause ?? "") as { errorMessage?: string };
    if (cause.errorMessage) return `${error.Error}: ${cause.errorMessage}`;
  } catch {
    // not JSON: a local error's Cause is its message
  }
  return `${error.Error ?? "Error"}: ${error.Cause ?? ""}`;
}

/**
 * Autotune: starts the workflow (one per index at a time, under a lease), and implements its
 * three tasks: Plan, run one build group, Decide. Also the policies and the two triggers
 * (schedule, append).
 */
export class AutotuneService {
  private readonly deps: AutotuneServiceDeps;
  private readonly now: () => Date;
  private readonly leaseMs: number;
  private readonly log: (message: string, fields: Record<string, unknown>) => void;
  private readonly newJobId = monotonicFactory();

  constructor(deps: AutotuneServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
    this.leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
    this.log = deps.log ?? ((message, fields) => logger.info(message, fields));
  }

  /** Starts an autotune; 409 `autotune_running` (with its job id) when one runs on the index. */
  async start(request: StartRequest): Promise<Job> {
    const record = await this.deps.vectors.getIndex(request.indexName);
    await this.requireHarnessOf(request.harness, request.indexName);
    const grid = request.grid ?? DEFAULT_GRID;
    planGroups(grid); // refuse duplicates before taking anything
    const jobId = this.newJobId();
    const startedAt = this.now();
    const lease = await this.deps.leases.acquire(
      request.indexName,
      jobId,
      startedAt.getTime(),
      this.leaseMs,
    );
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
      harness: request.harness,
      status: "RUNNING",
      trigger: request.trigger,
      started_by: request.startedBy,
      grid,
      min_recall: request.minRecall ?? DEFAULT_MIN_RECALL,
      trials: [],
      winner: null,
      promoted: false,
      reason: null,
      failed_groups: [],
      started_at: startedAt.toISOString(),
      finished_at: null,
      duration_ms: null,
    };
    try {
      await this.deps.jobs.create(job);
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
        min_recall: job.min_recall,
        grid,
        max_concurrency: request.maxConcurrency ?? 0,
        refresh_harness: request.refreshHarness ?? false,
      });
    } catch (err) {
      await this.fail(job, `could not start the workflow: ${(err as Error).message}`);
      throw err;
    }
    this.log("autotune started", {
      index_name: request.indexName,
      job_id: jobId,
      trigger: request.trigger,
      reason: `${request.trigger} request`,
    });
    return job;
  }

  /** The Plan task: confirm the lease, refresh a stale harness if asked, group the grid. */
  async plan(input: AutotuneInput): Promise<{ groups: BuildGroup[]; max_concurrency: number }> {
    const lease = await this.deps.leases.acquire(
      input.index_name,
      input.job_id,
      this.now().getTime(),
      this.leaseMs,
    );
    if (!lease.acquired) {
      throw new ConflictError(
        "autotune_running",
        `job ${input.job_id} lost its lease on "${input.index_name}" to ${lease.holder}`,
      );
    }
    const record = await this.deps.vectors.getIndex(input.index_name);
    const harness = await this.requireHarnessOf(input.harness, input.index_name);
    if (isStale(harness, record)) {
      if (!input.refresh_harness) {
        throw new ConflictError(
          "stale_harness",
          `harness "${input.harness}" predates index "${input.index_name}" data_version ${record.dataVersion}; refresh it`,
        );
      }
      await this.deps.harnesses.refresh(input.harness);
    }
    return { groups: planGroups(input.grid), max_concurrency: input.max_concurrency };
  }

  /** The Map iteration task: build one graph, measure each of its ef_search. */
  async runGroup(input: {
    job_id: string;
    index_name: string;
    harness: string;
    group: BuildGroup;
  }): Promise<GroupOutcome> {
    // Each group renews the job's lease, so a long Map never outlives it.
    await this.renewLease(input.index_name, input.job_id);
    const trials = await this.deps.trials.runBuildGroup({
      indexName: input.index_name,
      harness: input.harness,
      build: {
        m: input.group.m,
        ef_construction: input.group.ef_construction,
        seed: input.group.seed,
      },
      efSearches: input.group.ef_searches,
      source: "autotune",
      jobId: input.job_id,
      // Writes may land while a job runs: measure each build against truth for its own data.
      whenStale: "recompute",
    });
    return { group: input.group, trials };
  }

  /**
   * The Decide task: pick the winner, promote it, free the lease, write the job's final state.
   * A job that is no longer RUNNING (a retried Decide, or one settled as abandoned) is returned as
   * stored and changes nothing; a job that lost its lease fails without promoting. The promotion
   * is conditional on the job not having promoted yet, so a retry never promotes twice.
   */
  async decide(input: DecideInput): Promise<Job> {
    const job = await this.requireJob(input.job_id);
    if (job.status !== "RUNNING") {
      // Already decided (a retry after the record was written): make sure the lease is free.
      await this.deps.leases.release(input.index_name, input.job_id);
      return job;
    }
    if (!(await this.deps.leases.renew(input.index_name, job.job_id, this.nowMs(), this.leaseMs))) {
      return this.finish(job, {
        status: "FAILED",
        reason: `job ${job.job_id} lost its lease on index "${input.index_name}" before deciding`,
      });
    }
    const outcome = await this.outcomeOf(job, input);
    // Freed only once the outcome is recorded: a Decide that fails before that is retried (or,
    // past its retries, caught by Abandon, which frees it).
    await this.deps.leases.release(input.index_name, input.job_id);
    return outcome;
  }

  /** Decide's work: the winner, its promotion (once per job), the job's final record. */
  private async outcomeOf(job: Job, input: DecideInput): Promise<Job> {
    if (input.error) {
      return this.finish(job, {
        status: "FAILED",
        reason: `planning failed: ${errorText(input.error)}`,
      });
    }
    const outcomes = input.groups ?? [];
    const trials = outcomes.flatMap((o) => ("trials" in o ? o.trials : []));
    const failed: FailedGroup[] = outcomes.flatMap((o) =>
      "failed" in o
        ? [
            {
              group: o.group,
              error: `m=${o.group.m} ef_construction=${o.group.ef_construction}: ${errorText(o.error)}`,
            },
          ]
        : [],
    );
    const decision = decide(trials, input.min_recall, failed);
    let promoted = false;
    if (decision.winner) {
      await this.deps.promotions.promote(
        input.index_name,
        decision.winner.trial_id,
        "autotune",
        winnerNote(decision.winner),
        job.job_id,
      );
      promoted = true;
    }
    return this.finish(job, {
      status: decision.status,
      reason: decision.reason,
      trials,
      winner: decision.winner,
      promoted,
      failed_groups: failed,
    });
  }

  /**
   * The Abandon task (Decide's Catch): whatever made Decide fail, the job is recorded FAILED with
   * the reason and its lease is released.
   */
  async abandon(input: DecideInput): Promise<Job> {
    const job = await this.requireJob(input.job_id);
    try {
      return job.status === "RUNNING"
        ? await this.finish(job, {
            status: "FAILED",
            reason: `deciding failed: ${errorText(input.error)}`,
          })
        : job;
    } finally {
      await this.deps.leases.release(input.index_name, input.job_id);
    }
  }

  /**
   * One job. A job still RUNNING whose lease is gone (expired without renewal, or held by another
   * job) stopped without reaching Decide (a crashed execution): it is recorded as FAILED, once, so
   * it never looks alive forever.
   */
  async get(jobId: string): Promise<Job> {
    return this.settleAbandoned(await this.requireJob(jobId));
  }

  private async requireJob(jobId: string): Promise<Job> {
    const job = await this.deps.jobs.get(jobId);
    if (!job) throw new NotFoundError("job_not_found", `autotune job "${jobId}" does not exist`);
    return job;
  }

  private async settleAbandoned(job: Job): Promise<Job> {
    if (job.status !== "RUNNING") return job;
    const holder = await this.deps.leases.holder(job.index_name, this.nowMs());
    if (holder === job.job_id) return job;
    const minutes = Math.max(1, Math.round(this.leaseMs / 60_000));
    return this.finish(job, {
      status: "FAILED",
      reason: `the run stopped without finishing: its ${minutes}-minute lease ran out without renewal`,
    });
  }

  private nowMs(): number {
    return this.now().getTime();
  }

  /** Extends the job's lease; a job that lost it must stop (409 `lease_lost`). */
  private async renewLease(indexName: string, jobId: string): Promise<void> {
    if (!(await this.deps.leases.renew(indexName, jobId, this.nowMs(), this.leaseMs))) {
      throw new ConflictError(
        "lease_lost",
        `job ${jobId} no longer holds the autotune lease on index "${indexName}"`,
      );
    }
  }

  /** Waits up to `seconds` for the job to finish; returns its latest state either way. */
  async waitFor(jobId: string, seconds: number): Promise<Job> {
    const deadline = Date.now() + seconds * 1000;
    let job = await this.get(jobId);
    while (job.status === "RUNNING" && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = await this.get(jobId);
    }
    return job;
  }

  async list(indexName: string, limit: number): Promise<Job[]> {
    await this.deps.vectors.getIndex(indexName);
    const jobs = await this.deps.jobs.listByIndex(indexName, limit);
    return Promise.all(jobs.map((job) => this.settleAbandoned(job)));
  }

  async putPolicy(
    indexName: string,
    request: {
      harness: string;
      minRecall?: number | undefined;
      grid?: readonly GridEntry[] | undefined;
      everyMinutes?: number | undefined;
      minNewVectors?: number | undefined;
    },
  ): Promise<Policy> {
    const record = await this.deps.vectors.getIndex(indexName);
    await this.requireHarnessOf(request.harness, indexName);
    if (request.grid) planGroups(request.grid);
    return this.deps.policies.put(
      {
        index_name: indexName,
        harness: request.harness,
        min_recall: request.minRecall ?? DEFAULT_MIN_RECALL,
        grid: request.grid ?? null,
        every_minutes: request.everyMinutes ?? null,
        min_new_vectors: request.minNewVectors ?? null,
      },
      this.now().toISOString(),
      record.vectorsWritten,
    );
  }

  async getPolicy(indexName: string): Promise<Policy> {
    const policy = await this.deps.policies.get(indexName);
    if (!policy)
      throw new NotFoundError("policy_not_found", `index "${indexName}" has no autotune policy`);
    return policy;
  }

  async deletePolicy(indexName: string): Promise<void> {
    if (!(await this.deps.policies.delete(indexName))) {
      throw new NotFoundError("policy_not_found", `index "${indexName}" has no autotune policy`);
    }
  }

  /** The scheduled trigger: starts an autotune for each index whose policy is due. */
  async runScheduled(): Promise<{ started: string[]; skipped: string[] }> {
    const now = this.now();
    const started: string[] = [];
    const skipped: string[] = [];
    for (const policy of await this.deps.policies.list()) {
      if (policy.every_minutes === null) continue;
      if (!scheduleDue(policy, now)) {
        this.log("autotune skipped", {
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
    if (!policy || !appendDue(policy, record.vectorsWritten)) return null;
    const written = record.vectorsWritten - policy.vectors_written_at_last_start;
    return this.startFromPolicy(
      policy,
      "append",
      `${written} vectors written since the last autotune (min_new_vectors ${policy.min_new_vectors})`,
      writer,
    );
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
        minRecall: policy.min_recall,
        grid: policy.grid ?? undefined,
        trigger,
        startedBy,
        refreshHarness: true,
      });
      this.log("autotune triggered", {
        index_name: policy.index_name,
        job_id: job.job_id,
        trigger,
        reason,
      });
      return job.job_id;
    } catch (err) {
      if (err instanceof ConflictError && err.code === "autotune_running") {
        this.log("autotune skipped", {
          index_name: policy.index_name,
          trigger,
          reason: err.message,
        });
        return null;
      }
      if (err instanceof NotFoundError || err instanceof ValidationError) {
        this.log("autotune skipped", {
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

  private async fail(job: Job, reason: string): Promise<void> {
    await this.finish(job, { status: "FAILED", reason }).catch(() => undefined);
    await this.deps.leases.release(job.index_name, job.job_id).catch(() => undefined);
  }

  private async finish(
    job: Job,
    outcome: Partial<Job> & Pick<Job, "status" | "reason">,
  ): Promise<Job> {
    const finishedAt = this.now();
    const final: Job = {
      ...job,
      ...outcome,
      finished_at: finishedAt.toISOString(),
      duration_ms: finishedAt.getTime() - Date.parse(job.started_at),
    };
    if (!(await this.deps.jobs.finish(final))) {
      // Someone else recorded the outcome first (a retried task, or a reader that settled the
      // job as abandoned): the stored record is the truth, and is what the caller reports.
      const stored = await this.requireJob(job.job_id);
      this.log("autotune outcome already recorded", {
        index_name: job.index_name,
        job_id: job.job_id,
        status: stored.status,
        reason: `kept the stored ${stored.status} record instead of ${final.status}`,
      });
      return stored;
    }
    recordAutotune(final.status, final.promoted);
    this.log("autotune finished", {
      index_name: job.index_name,
      job_id: job.job_id,
      status: final.status,
      promoted: final.promoted,
      winner: final.winner?.trial_id ?? null,
      reason: final.reason ?? (final.promoted ? winnerNote(final.winner as Trial) : "done"),
    });
    return final;
  }
}
