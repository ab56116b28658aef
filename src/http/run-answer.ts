import { type ErrorRecord, errorFromRecord } from "../domain/errors";
import type { RunStatus } from "../domain/task-run";
import { type ApiResult, accepted } from "./api-handler";

/** A run as a request that started it sees it (an activation, a trial, a harness). */
interface RunLike<R> {
  readonly status: RunStatus;
  readonly result: R | null;
  readonly error: ErrorRecord | null;
}

/**
 * The answer to a request that started a task and waited for it: 202 with `running.body` while
 * the run goes on (`Location`: where to poll it); once FAILED, its typed error, answered as if
 * the request had met it; once SUCCEEDED, `done` of what it made.
 */
export function runAnswer<R>(
  run: RunLike<R>,
  running: { readonly body: unknown; readonly location: string },
  done: (result: R) => ApiResult,
): ApiResult {
  if (run.status === "RUNNING") return accepted(running.body, running.location);
  if (run.status === "FAILED" || run.result === null) {
    throw errorFromRecord(
      run.error ?? { kind: "Error", code: "run_failed", message: "no error was recorded" },
    );
  }
  return done(run.result);
}
