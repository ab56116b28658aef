import { type Job, winnerNote } from "../domain/autotune";
import { ConflictError, NotFoundError } from "../domain/errors";
import type { Trial } from "../domain/trial";
import { logger } from "../logger";
import { recordAutotune } from "../telemetry";
import type { JobStore, LeaseStore } from "./work-ports";

/** How long a lease holds without renewal: a crashed run frees its index after this. */
export const DEFAULT_LEASE_MS = 30 * 60_000;

/** Where start, skip and finish lines go. */
export type JobLog = (message: string, fields: Record<string, unknown>) => void;

/** The ports {@link JobLedger} is built from; `now` defaults to the wall clock. */
export interface JobLedgerDeps {
  readonly jobs: JobStore;
  readonly leases: LeaseStore;
  readonly leaseMs?: number;
  readonly now?: () => Date;
  readonly log?: JobLog;
}

/**
 * Job bookkeeping shared by the API side and the workflow's tasks: reading jobs, recording their
 * outcome exactly once, the lease that says a job is alive, and settling jobs whose run died.
 */
export class JobLedger {
  /** Where jobs are stored. */
  readonly jobs: JobStore;
  /** Where job leases are held. */
  readonly leases: LeaseStore;
  /** How long a lease holds without renewal, ms. */
  readonly leaseMs: number;
  /** The clock. */
  readonly now: () => Date;
  /** Where autotune's decisions are logged. */
  readonly log: JobLog;

  constructor(deps: JobLedgerDeps) {
    this.jobs = deps.jobs;
    this.leases = deps.leases;
    this.leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
    this.now = deps.now ?? (() => new Date());
    this.log = deps.log ?? ((message, fields) => logger.info(message, fields));
  }

  /** The clock, in epoch ms. */
  nowMs(): number {
    return this.now().getTime();
  }

  /** A job; `job_not_found` when there is none. */
  async require(jobId: string): Promise<Job> {
    const job = await this.jobs.get(jobId);
    if (!job) throw new NotFoundError("job_not_found", `autotune job "${jobId}" does not exist`);
    return job;
  }

  /**
   * Takes the index's lease for a new job `jobId`, unless another job holds it unexpired; then
   * says which. A lease held by a job whose outcome is already recorded is taken over: that job
   * frees it just after recording, or never does when its Decide crashed in between, and in
   * neither case should it hold the index until the lease expires.
   */
  async acquireLease(
    indexName: string,
    jobId: string,
  ): Promise<{ acquired: true } | { acquired: false; holder: string }> {
    const lease = await this.leases.acquire(indexName, jobId, this.nowMs(), this.leaseMs);
    if (lease.acquired) return lease;
    const holder = await this.jobs.get(lease.holder);
    // A lease without a job record is a start in progress (it takes the lease first): kept.
    if (!holder || holder.status === "RUNNING") return lease;
    if (await this.leases.takeOver(indexName, lease.holder, jobId, this.nowMs(), this.leaseMs)) {
      this.log("autotune lease taken over", {
        index_name: indexName,
        job_id: jobId,
        reason: `job ${lease.holder} is ${holder.status} but still held the lease`,
      });
      return { acquired: true };
    }
    // It changed hands meanwhile (freed, or taken by another start): try once more.
    return this.leases.acquire(indexName, jobId, this.nowMs(), this.leaseMs);
  }

  /** Extends the job's lease; a job that lost it must stop (409 `lease_lost`). */
  async renewLease(indexName: string, jobId: string): Promise<void> {
    if (!(await this.leases.renew(indexName, jobId, this.nowMs(), this.leaseMs))) {
      throw new ConflictError(
        "lease_lost",
        `job ${jobId} no longer holds the autotune lease on index "${indexName}"`,
      );
    }
  }

  /**
   * A job still RUNNING whose lease is gone (expired without renewal, or held by another job)
   * stopped without reaching Decide (a crashed execution): it is recorded as FAILED, once, so it
   * never looks alive forever.
   */
  async settleAbandoned(job: Job): Promise<Job> {
    if (job.status !== "RUNNING") return job;
    const holder = await this.leases.holder(job.index_name, this.nowMs());
    if (holder === job.job_id) return job;
    const minutes = Math.max(1, Math.round(this.leaseMs / 60_000));
    return this.finish(job, {
      status: "FAILED",
      reason: `the run stopped without finishing: its ${minutes}-minute lease ran out without renewal`,
    });
  }

  /**
   * Records a RUNNING job's outcome. When someone else recorded one first (a retried task, or a
   * reader that settled the job as abandoned), the stored record is the truth, and is returned.
   */
  async finish(job: Job, outcome: Partial<Job> & Pick<Job, "status" | "reason">): Promise<Job> {
    const finishedAt = this.now();
    const final: Job = {
      ...job,
      ...outcome,
      finished_at: finishedAt.toISOString(),
      duration_ms: finishedAt.getTime() - Date.parse(job.started_at),
    };
    if (!(await this.jobs.finish(final))) {
      const stored = await this.require(job.job_id);
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

  /** Records a job FAILED and frees its lease, ignoring errors (used when a start fails). */
  async fail(job: Job, reason: string): Promise<void> {
    await this.finish(job, { status: "FAILED", reason }).catch(() => undefined);
    await this.leases.release(job.index_name, job.job_id).catch(() => undefined);
  }
}
