import "./promise-with-resolvers";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { StateMachine } from "aws-local-stepfunctions";
import {
  AUTOTUNE_DEFINITION,
  AUTOTUNE_TASKS,
  type AutotuneTaskState,
  substitutedDefinition,
} from "../../infra/autotune-workflow";
import type { AutotuneInput, WorkflowStarter } from "../app/ports";
import { logger } from "../logger";
import { REPO_ROOT } from "./repo-root";

type TaskFn = (input: unknown) => Promise<unknown>;

/** Test hook: wraps each task handler (fault injection). */
export type TaskInterceptor = (state: AutotuneTaskState, handler: TaskFn) => TaskFn;

const FAILED_JOB_ERROR = AUTOTUNE_DEFINITION.States.JobFailed.Error;

/** The same definition the CDK stack deploys, with placeholder ARNs for the local Task states. */
const definition = substitutedDefinition(
  (state) => `arn:aws:lambda:us-east-1:000000000000:function:vectord-local-${state}`,
);

/**
 * Runs the autotune workflow in this process with aws-local-stepfunctions, each Task state mapped
 * to the same Lambda handler CDK deploys for it. Map iterations run concurrently; their builds
 * go to the worker-thread pool, so they run in parallel up to the machine's cores.
 */
export class LocalWorkflow implements WorkflowStarter {
  private readonly running = new Map<string, { abort: () => void; done: Promise<unknown> }>();
  private interceptor: TaskInterceptor | undefined;

  /** Sets (or clears) the fault-injection hook. */
  intercept(interceptor: TaskInterceptor | undefined): void {
    this.interceptor = interceptor;
  }

  async start(input: AutotuneInput): Promise<void> {
    const handlers: Record<string, TaskFn> = {};
    for (const [state, spec] of Object.entries(AUTOTUNE_TASKS) as [
      AutotuneTaskState,
      { entry: string },
    ][]) {
      const module = (await import(pathToFileURL(resolve(REPO_ROOT, spec.entry)).href)) as {
        handler: TaskFn;
      };
      handlers[state] = this.interceptor ? this.interceptor(state, module.handler) : module.handler;
    }
    const machine = new StateMachine(definition as never);
    const execution = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      noThrowOnAbort: true,
    });
    const done = execution.result.then(
      () => undefined,
      (err: unknown) => {
        // A job recorded FAILED ends its execution in the Fail state: expected, and the job
        // record says why. Anything else is the runner failing.
        const cause = (err as { cause?: { name?: string } }).cause;
        if (cause?.name === FAILED_JOB_ERROR) {
          logger.info("autotune execution ended in its Fail state", { job_id: input.job_id });
        } else {
          logger.error("local autotune execution failed", {
            job_id: input.job_id,
            error: err as Error,
          });
        }
      },
    );
    this.running.set(input.job_id, { abort: execution.abort, done });
    void done.finally(() => this.running.delete(input.job_id));
  }

  /** Waits for the running executions (they finish their current tasks), for a clean stop. */
  async drain(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}

let instance: LocalWorkflow | undefined;

/** The process's local workflow runner. */
export function localWorkflow(): LocalWorkflow {
  instance ??= new LocalWorkflow();
  return instance;
}
