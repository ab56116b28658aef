import type { Context } from "aws-lambda";
import { logger } from "../logger";
import { instrumented } from "../telemetry";

/** The error name the workflow's Retry fields treat as transient. */
export const TRANSIENT_ERROR = "TransientError";

const TRANSIENT_NAMES = new Set([
  "ThrottlingException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "InternalServerError",
  "ServiceUnavailable",
  "SlowDown",
  "TimeoutError",
  "RequestTimeout",
]);
const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "ETIMEDOUT", "EPIPE", "EAI_AGAIN"]);

/** True for throttling, server-side and network faults, which a retry may cure. */
export function isTransient(err: unknown): boolean {
  const e = err as { name?: string; code?: string; $retryable?: unknown; $fault?: string } | null;
  return Boolean(
    e &&
      (e.$retryable ||
        e.$fault === "server" ||
        TRANSIENT_NAMES.has(e.name ?? "") ||
        TRANSIENT_CODES.has(e.code ?? "")),
  );
}

/**
 * Wraps a use-case call as a Step Functions task handler. Transient faults are rethrown named
 * `TransientError` so the state's Retry catches them; anything else keeps its class name (for
 * example `ConflictError`) and goes to the state's Catch.
 */
export function taskHandler<I, O>(
  name: string,
  fn: (input: I) => Promise<O>,
): (input: I, context?: Context) => Promise<O> {
  return (input, context) =>
    instrumented(name, context, async () => {
      try {
        return await fn(input);
      } catch (err) {
        logger.error(`${name} task failed`, { error: err as Error });
        if (isTransient(err)) {
          const transient = new Error((err as Error).message);
          transient.name = TRANSIENT_ERROR;
          throw transient;
        }
        throw err;
      }
    });
}
