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

/**
 * The Task states of a substituted definition (Map iterations included) by state name, each with
 * the task whose function its Resource names: several states may invoke one function (an import's
 * Finish and Failed do).
 */
export function taskStates<S extends string>(
  definition: unknown,
  arnOf: Record<S, string>,
): Map<string, S> {
  const byArn = new Map<string, S>(
    (Object.entries(arnOf) as [S, string][]).map(([task, arn]) => [arn, task]),
  );
  const found = new Map<string, S>();
  type State = { Type: string; Resource?: string; ItemProcessor?: Machine; Iterator?: Machine };
  type Machine = { States: Record<string, State> };
  const walk = ({ States }: Machine) => {
    for (const [name, state] of Object.entries(States)) {
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor) walk(processor);
      const task = state.Resource ? byArn.get(state.Resource) : undefined;
      if (state.Type === "Task" && task) found.set(name, task);
    }
  };
  walk(definition as Machine);
  return found;
}
