/**
 * Faults a retry may cure: throttling, server-side errors and network failures of AWS calls (the
 * SDK marks most as retryable and retries them itself, with backoff and jitter, up to its
 * attempt limit; what still fails after that arrives here). The HTTP edge answers them 503, the
 * workflow's tasks rethrow them as `TransientError` for the state's Retry.
 */
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
