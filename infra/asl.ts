/** What the workflow definitions (autotune, import) share: Retry fields and ARN substitution. */

/** Errors worth retrying: Lambda's own transient failures and our `TransientError`. */
const TRANSIENT_ERRORS = [
  "TransientError",
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
];

/** A Retry on transient errors: full-jitter backoff from `intervalSeconds`, `maxAttempts` tries. */
export function retry(intervalSeconds: number, maxAttempts: number) {
  return {
    ErrorEquals: TRANSIENT_ERRORS,
    IntervalSeconds: intervalSeconds,
    MaxAttempts: maxAttempts,
    BackoffRate: 2,
    JitterStrategy: "FULL",
  } as const;
}

/**
 * A definition with each task's `${variable}` placeholder replaced by `arnOf(task)`: what CDK
 * deploys (real ARNs) and what the local runner and tests run (placeholder ARNs).
 */
export function substituted<S extends string>(
  definition: unknown,
  tasks: Record<S, unknown>,
  variableOf: (task: S) => string,
  arnOf: (task: S) => string,
): unknown {
  let text = JSON.stringify(definition);
  for (const task of Object.keys(tasks) as S[]) {
    text = text.replaceAll(`\${${variableOf(task)}}`, arnOf(task));
  }
  return JSON.parse(text);
}
