import { ContentionError } from "../domain/errors";
import { LOST_RACE } from "./ports";

/** How an optimistic write retries after losing a race. */
export interface RetryPolicy {
  /** Attempts in all, the first included. Default 100. */
  readonly maxAttempts: number;
  /** Backoff ceiling of the first retry, in ms; doubles per retry. Default 10. */
  readonly baseDelayMs: number;
  /** Largest backoff ceiling, in ms. Default 250. */
  readonly maxDelayMs: number;
}

/**
 * How conditional writes retry a lost race by default: up to 100 attempts, backing off from 10 to
 * at most 250 ms.
 */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 100, baseDelayMs: 10, maxDelayMs: 250 };

/**
 * Runs `attempt` (which re-reads what it needs and tries one conditional write) until it
 * returns something other than {@link LOST_RACE}, sleeping a random ("full jitter") backoff
 * between tries so that racing writers spread out. Throws {@link ContentionError} after
 * `maxAttempts` lost races; any other error is thrown at once.
 */
export async function retryLostRaces<T>(
  what: string,
  attempt: (attemptNumber: number) => Promise<T | typeof LOST_RACE>,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<T> {
  for (let n = 0; n < policy.maxAttempts; n++) {
    const result = await attempt(n);
    if (result !== LOST_RACE) return result as T;
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** n);
    await new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
  }
  throw new ContentionError(
    `${what}: lost ${policy.maxAttempts} races to concurrent writers; nothing was written, retry later`,
  );
}
