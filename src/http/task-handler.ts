import type { Context } from "aws-lambda";
import { isTransient } from "../app/transient";
import { logger } from "../logger";
import { instrumented } from "../telemetry";

/** The error name the workflow's Retry fields treat as transient. */
export const TRANSIENT_ERROR = "TransientError";

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
