import type { ErrorRecord } from "./errors";

/**
 * Work a request starts as a task of its own and may wait for: `activate` makes and serves a
 * generation, `trial` builds a graph and measures it, `harness` computes a harness's exact
 * ground truth over the index.
 */
export type RunKind = "activate" | "trial" | "harness";

/**
 * Where a background run (a harness refresh, a trial, an activation) is: running, done, or failed
 * with an error.
 */
export type RunStatus = "RUNNING" | "SUCCEEDED" | "FAILED";

/**
 * One run of a task, as stored: what was asked (`input`), and once it has ended, what it made
 * (`result`, of type `R`) or why it failed (`error`, the typed error the API answers with).
 */
export interface TaskRun<I = unknown, R = unknown> {
  /** The index the run works on. */
  readonly scope: string;
  /** A ULID: an index's runs sort oldest first. */
  readonly run_id: string;
  /** What the run does. */
  readonly kind: RunKind;
  /** Running, or how it ended. */
  readonly status: RunStatus;
  /** What was asked. */
  readonly input: I;
  /** When it was asked for (ISO 8601). */
  readonly requested_at: string;
  /** When it ended (ISO 8601), or `null` while it runs. */
  readonly finished_at: string | null;
  /** What it made, once SUCCEEDED. */
  readonly result: R | null;
  /** Why it failed, once FAILED. */
  readonly error: ErrorRecord | null;
  /** Epoch seconds after which the record may be removed (DynamoDB TTL). */
  readonly expires_at: number;
}

/** The longest a request may wait for its run, seconds: API Gateway ends a request at 29. */
export const MAX_RUN_WAIT_S = 25;

/** How long a run's record is kept (a week). */
export const RUN_RECORD_TTL_S = 7 * 24 * 3600;

/**
 * The latest a task may start its run, after the request: a later start (Lambda's retry of a
 * task that timed out after 15 minutes, or an invocation it held back while throttled) fails
 * the run as timed out instead of doing its work.
 */
export const RUN_START_WITHIN_MS = 15 * 60_000;

/**
 * When a run still RUNNING is reported lost (FAILED, `<noun>_lost`): a task starts within
 * {@link RUN_START_WITHIN_MS} and runs at most 15 minutes, so nothing can still finish it.
 */
export const RUN_LOST_AFTER_MS = 31 * 60_000;
