import type { GridEntry, Job } from "./autotune";
import type { SearchSpace, Strategy } from "./tuning";

// Autotune policies: what a caller sets for an index (the harness and tuning its jobs run with,
// and the triggers), and when a trigger is due.

/** What a caller sets in an autotune policy. */
export interface PolicySettings {
  /** The index the policy tunes. */
  readonly index_name: string;
  /** The index incarnation it was set for: a policy of an earlier one never fires. */
  readonly index_uid: string;
  /** The harness its jobs measure against. */
  readonly harness: string;
  /** The strategy its jobs run (see {@link Job.strategy}). */
  readonly strategy: Strategy;
  /** The recall gate (`max_recall`) or target (`target_recall`). */
  readonly min_recall: number;
  /** `max_recall`: the grid to measure (`null`: `DEFAULT_GRID`). */
  readonly grid: readonly GridEntry[] | null;
  /** `target_recall`: where to search; `null` for `max_recall`. */
  readonly space: SearchSpace | null;
  /** `target_recall`: the most graphs a job builds; `null` for `max_recall`. */
  readonly max_builds: number | null;
  /** Tune on the schedule when at least this many minutes passed since the last start. */
  readonly every_minutes: number | null;
  /** Tune after at least this many vectors were written since the last start. */
  readonly min_new_vectors: number | null;
}

/** An autotune policy: what to tune with, and when, and when it last started one. */
export interface Policy extends PolicySettings {
  /** When the policy was first set (ISO 8601). */
  readonly created_at: string;
  /** When the policy was last set (ISO 8601). */
  readonly updated_at: string;
  /** Bookkeeping of the last autotune start on this index. */
  readonly last_started_at: string | null;
  /** The job the policy last started, if any. */
  readonly last_job_id: string | null;
  /**
   * The index's `vectorsWritten` when the policy last started a job: `min_new_vectors` counts from
   * it.
   */
  readonly vectors_written_at_last_start: number;
}

/** Whether the schedule should start an autotune now. */
export function scheduleDue(policy: Policy, now: Date): boolean {
  if (policy.every_minutes === null) return false;
  if (policy.last_started_at === null) return true;
  return now.getTime() - Date.parse(policy.last_started_at) >= policy.every_minutes * 60_000;
}

/** Whether enough vectors were written since the last start. */
export function appendDue(policy: Policy, vectorsWritten: number): boolean {
  return (
    policy.min_new_vectors !== null &&
    vectorsWritten - policy.vectors_written_at_last_start >= policy.min_new_vectors
  );
}
