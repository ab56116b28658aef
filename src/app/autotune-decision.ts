import pLimit from "p-limit";
import { type Job, jobParetoFront, winnerNote } from "../domain/autotune";
import { NotFoundError } from "../domain/errors";
import type { Trial } from "../domain/trial";
import { failpoint } from "../failpoints";
import { decisionOf, errorText, jobTrialIds, type WorkflowState } from "./autotune-state";
import type { JobLedger } from "./job-ledger";
import type { TrialJournal } from "./ports";
import type { PromotionService } from "./promotion-service";

/** The ledger, journal and promotion service the autotune decision reads and writes. */
export interface AutotuneDecisionDeps {
  readonly ledger: JobLedger;
  readonly journal: TrialJournal;
  readonly promotions: PromotionService;
}

/**
 * The autotune workflow's last tasks, which end a job: Decide (the winner, its promotion, the
 * job's final record, the lease freed) and Abandon (Decide's Catch). Each is a Lambda on AWS and
 * a local handler in the local stack; the measuring tasks are in {@link AutotuneTasks}.
 */
export class AutotuneDecision {
  constructor(private readonly deps: AutotuneDecisionDeps) {}

  /**
   * Decide: pick the winner, promote it, free the lease, write the job's final state. A job that
   * is no longer RUNNING (a retried Decide, or one settled as abandoned) is returned as stored
   * and changes nothing; a job that lost its lease fails without promoting. The promotion is
   * conditional on the job not having promoted yet, so a retry never promotes twice.
   */
  async decide(state: WorkflowState): Promise<Job> {
    await failpoint("autotune.deciding");
    const { ledger } = this.deps;
    const job = await ledger.require(state.job_id);
    if (job.status !== "RUNNING") {
      // Already decided (a retry after the record was written): make sure the lease is free.
      await ledger.leases.release(state.index_name, state.job_id);
      return job;
    }
    if (
      !(await ledger.leases.renew(state.index_name, job.job_id, ledger.nowMs(), ledger.leaseMs))
    ) {
      return ledger.finish(job, {
        status: "FAILED",
        reason: `job ${job.job_id} lost its lease on index "${state.index_name}" before deciding`,
      });
    }
    const outcome = await this.outcomeOf(job, state);
    // Freed only once the outcome is recorded: a Decide that fails before that is retried (or,
    // past its retries, caught by Abandon, which frees it).
    await ledger.leases.release(state.index_name, state.job_id);
    return outcome;
  }

  /**
   * Abandon (Decide's Catch): whatever made Decide fail, the job is recorded FAILED with the
   * reason and its lease is released.
   */
  async abandon(state: WorkflowState): Promise<Job> {
    const { ledger } = this.deps;
    const job = await ledger.require(state.job_id);
    try {
      return job.status === "RUNNING"
        ? await ledger.finish(job, {
            status: "FAILED",
            reason: `deciding failed: ${errorText(state.error)}`,
          })
        : job;
    } finally {
      await ledger.leases.release(state.index_name, state.job_id);
    }
  }

  /** Decide's work: the winner, its promotion (once per job), the job's final record. */
  private async outcomeOf(job: Job, state: WorkflowState): Promise<Job> {
    const { ledger } = this.deps;
    if (state.error || state.tune_error) {
      const step = state.error ? "planning" : "tuning";
      return ledger.finish(job, {
        status: "FAILED",
        reason: `${step} failed: ${errorText(state.error ?? state.tune_error)}`,
      });
    }
    const history = state.history ?? state.round?.results ?? [];
    const trials = await this.loadTrials(state.index_name, jobTrialIds(state, history));
    const stopReason = state.round?.stop_reason ?? "measured the grid";
    const decision = decisionOf(state, history, trials, stopReason);
    let promoted = false;
    if (decision.winner) {
      await this.deps.promotions.promoteTrial(
        decision.winner,
        "autotune",
        winnerNote(decision.winner),
        job.job_id,
      );
      promoted = true;
    }
    return ledger.finish(job, {
      status: decision.status,
      reason: decision.reason,
      trials,
      winner: decision.winner,
      promoted,
      failed_groups: decision.failed,
      pareto_front: jobParetoFront(trials),
      stop_reason: stopReason,
      progress: {
        round: state.round?.number ?? 1,
        builds_planned: history.length,
        builds_done: history.length,
      },
    });
  }

  private async loadTrials(indexName: string, ids: readonly string[]): Promise<Trial[]> {
    const limit = pLimit(16);
    return Promise.all(
      ids.map((id) =>
        limit(async () => {
          const trial = await this.deps.journal.get(indexName, id);
          if (!trial)
            throw new NotFoundError("trial_not_found", `trial ${id} is not in the journal`);
          return trial;
        }),
      ),
    );
  }
}
