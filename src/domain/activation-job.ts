import type { ErrorRecord } from "./errors";
import type { HnswConfig } from "./hnsw-config";

export type ActivationStatus = "RUNNING" | "SUCCEEDED" | "FAILED";

/** Why an activation failed: the typed error it ended with, as the API would have answered it. */
export type ActivationFailure = ErrorRecord;

/**
 * One activation request, as stored and as the API returns it. `R` is what a finished one
 * made (the activation result).
 */
export interface ActivationJob<R = unknown> {
  readonly index_name: string;
  /** A ULID: an index's activations sort oldest first. */
  readonly activation_id: string;
  readonly status: ActivationStatus;
  /** The config to serve when nothing is promoted (the caller's), or null for the built-in one. */
  readonly default_config: HnswConfig | null;
  readonly requested_at: string;
  readonly finished_at: string | null;
  /** What it made, once SUCCEEDED. */
  readonly result: R | null;
  /** Why it failed, once FAILED. */
  readonly error: ActivationFailure | null;
  /** Epoch seconds after which the record may be removed (DynamoDB TTL). */
  readonly expires_at: number;
}

/** The longest a request may wait for its activation, seconds: API Gateway ends one at 29. */
export const MAX_ACTIVATION_WAIT_S = 25;

/** How long an activation record is kept (a week). */
export const ACTIVATION_RECORD_TTL_S = 7 * 24 * 3600;

/**
 * The latest an activation task may start its work, after the request: a later start (Lambda's
 * retry of a task that timed out after 15 minutes, or an invocation it held back while
 * throttled) fails the job as timed out instead of building.
 */
export const ACTIVATION_START_WITHIN_MS = 15 * 60_000;

/**
 * When a job still RUNNING is reported lost (FAILED, `activation_lost`): a task starts within
 * {@link ACTIVATION_START_WITHIN_MS} and runs at most 15 minutes, so nothing can still finish it.
 */
export const ACTIVATION_LOST_AFTER_MS = 31 * 60_000;
