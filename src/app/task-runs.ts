import { setTimeout as sleep } from "node:timers/promises";
import { ulid } from "ulid";
import { BACKGROUND_TASKS } from "../../infra/background-tasks";
import { type ErrorRecord, errorRecordOf, NotFoundError } from "../domain/errors";
import {
  MAX_RUN_WAIT_S,
  RUN_LOST_AFTER_MS,
  RUN_RECORD_TTL_S,
  RUN_START_WITHIN_MS,
  type RunKind,
  type TaskRun,
} from "../domain/task-run";
import { logger } from "../logger";
import type { BackgroundTasks, RunStore } from "./work-ports";

/** What {@link TaskRuns} is built from; `now` defaults to the wall clock (ms). */
export interface TaskRunsDeps {
  readonly store: RunStore;
  readonly tasks: BackgroundTasks;
  readonly now?: () => number;
}

/** How each kind of run is named in its errors, and what a failed one did not do. */
const KINDS: Record<RunKind, { readonly noun: string; readonly undone: string }> = {
  activate: { noun: "activation", undone: "nothing was activated by it, activate again" },
  trial: { noun: "trial run", undone: "no trial was journaled by it, run the trial again" },
  harness: {
    noun: "harness run",
    undone: "no harness was saved by it, create, autogenerate or refresh it again",
  },
};

/** `activation_lost`, `trial_run_failed`, ...: a kind's error codes. */
function codeOf(kind: RunKind, what: string): string {
  return `${KINDS[kind].noun.replaceAll(" ", "_")}_${what}`;
}

/** Polls of a waiting request: the first after 50 ms, growing to one every 500 ms. */
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 500;

/**
 * Work a request starts as a task of its own (nothing O(index size) runs in a request): the
 * request records a run (RUNNING) and starts its task; the task does the work and records how
 * it ended. The request may wait for that within API Gateway's limit; work that takes longer
 * goes on, and the caller polls the run.
 *
 * Failure: a task that cannot be started leaves its run FAILED, never RUNNING; a retried task
 * leaves a run that has ended alone; a task that starts more than {@link RUN_START_WITHIN_MS}
 * after the request fails the run (`<noun>_timed_out`) without working; a run still RUNNING
 * {@link RUN_LOST_AFTER_MS} after its request reads FAILED (`<noun>_lost`). A typed error ends
 * a run as itself; anything else as `<noun>_failed`, its stack only in the task's log.
 */
export class TaskRuns {
  private readonly now: () => number;

  constructor(private readonly deps: TaskRunsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** Records a run of `kind` on index `scope` asking for `input`, and starts its task. */
  async request<I>(kind: RunKind, scope: string, input: I): Promise<TaskRun<I, never>> {
    const now = this.now();
    const run: TaskRun<I, never> = {
      scope,
      run_id: ulid(now),
      kind,
      status: "RUNNING",
      input,
      requested_at: new Date(now).toISOString(),
      finished_at: null,
      result: null,
      error: null,
      expires_at: Math.floor(now / 1000) + RUN_RECORD_TTL_S,
    };
    await this.deps.store.create(run);
    try {
      await this.deps.tasks.start(kind, scope, run.run_id);
    } catch (err) {
      await this.deps.store.finish(scope, run.run_id, { error: failureOf(kind, err) }, this.iso());
      throw err;
    }
    return run;
  }

  /**
   * {@link request}s a run and {@link wait}s for it up to `waitMs`: ended, or RUNNING (its task
   * goes on; poll it).
   */
  async submit<I, R>(kind: RunKind, scope: string, input: I, waitMs: number) {
    const started = this.now();
    const run = await this.request(kind, scope, input);
    const left = Math.max(0, waitMs - (this.now() - started));
    return this.wait<I, R>(kind, scope, run.run_id, left);
  }

  /** The run `runId` of `kind` on `scope`; one no task can finish any more reads FAILED. */
  async get<I, R>(kind: RunKind, scope: string, runId: string): Promise<TaskRun<I, R>> {
    const run = (await this.deps.store.get(scope, runId)) as TaskRun<I, R> | undefined;
    const { noun, undone } = KINDS[kind];
    if (run?.kind !== kind) {
      throw new NotFoundError(
        codeOf(kind, "not_found"),
        `index "${scope}" has no ${noun} "${runId}" (records are kept a week)`,
      );
    }
    const age = this.now() - Date.parse(run.requested_at);
    if (run.status !== "RUNNING" || age <= RUN_LOST_AFTER_MS) return run;
    return {
      ...run,
      status: "FAILED",
      error: {
        kind: "Error",
        code: codeOf(kind, "lost"),
        message: `${noun} "${runId}" was requested ${Math.round(age / 60_000)} minutes ago and its task ended without a word; ${undone}`,
      },
    };
  }

  /** The run once it has ended, or as it is after `waitMs` (RUNNING). */
  async wait<I, R>(
    kind: RunKind,
    scope: string,
    runId: string,
    waitMs: number,
  ): Promise<TaskRun<I, R>> {
    const deadline = this.now() + Math.min(waitMs, MAX_RUN_WAIT_S * 1000);
    let pause = FIRST_POLL_MS;
    for (;;) {
      const run = await this.get<I, R>(kind, scope, runId);
      const left = deadline - this.now();
      if (run.status !== "RUNNING" || left <= 0) return run;
      await sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  }

  /**
   * A run's task: does `work` for a RUNNING run and records how it ended; returns the run, or
   * null when there was none to do (unknown, or ended already: a retried task).
   */
  async run<I, R>(
    kind: RunKind,
    scope: string,
    runId: string,
    work: (input: I) => Promise<R>,
  ): Promise<TaskRun<I, R> | null> {
    const run = (await this.deps.store.get(scope, runId)) as TaskRun<I, R> | undefined;
    if (run?.kind !== kind || run.status !== "RUNNING") return null;
    const { store } = this.deps;
    if (this.now() - Date.parse(run.requested_at) > RUN_START_WITHIN_MS) {
      const { noun, undone } = KINDS[kind];
      const error = {
        kind: "Error",
        code: codeOf(kind, "timed_out"),
        message: `${noun} "${runId}" had not run within 15 minutes of its request (its task timed out, or Lambda held its start back); ${undone}`,
      };
      await store.finish(scope, runId, { error }, this.iso());
      return this.get(kind, scope, runId);
    }
    try {
      const result = await work(run.input);
      await store.finish(scope, runId, { result }, this.iso());
    } catch (err) {
      const failure = failureOf(kind, err);
      if (failure.kind === "Error")
        logger.error(`${KINDS[kind].noun} failed`, { error: err as Error });
      await store.finish(scope, runId, { error: failure }, this.iso());
    }
    return this.get(kind, scope, runId);
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}

/** Why `err` ended a run; anything but a typed error is named only by its class. */
function failureOf(kind: RunKind, err: unknown): ErrorRecord {
  const { noun, undone } = KINDS[kind];
  return errorRecordOf(err, (name) => ({
    code: codeOf(kind, "failed"),
    message: `the ${noun} task failed (${name}); ${undone}; see the ${BACKGROUND_TASKS[kind].id} log`,
  }));
}
