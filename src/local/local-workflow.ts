import "./promise-with-resolvers";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { StateMachine } from "aws-local-stepfunctions";
import { taskStates } from "../../infra/asl";
import {
  AUTOTUNE_DEFINITION,
  AUTOTUNE_TASKS,
  type AutotuneTaskState,
  substitutedDefinition,
} from "../../infra/autotune-workflow";
import {
  IMPORT_DEFINITION,
  IMPORT_TASKS,
  type ImportTaskState,
  substitutedImportDefinition,
} from "../../infra/import-workflow";
import type { AutotuneInput, ImportStarter, WorkflowStarter } from "../app/work-ports";
import type { ImportInput } from "../domain/import-job";
import { logger } from "../logger";
import { REPO_ROOT } from "./repo-root";

type TaskFn = (input: unknown) => Promise<unknown>;

/** A machine ready to run: the validated definition, the task handlers, and which states call which. */
interface Prepared<S extends string> {
  readonly machine: StateMachine;
  readonly modules: Map<S, TaskFn>;
  readonly states: Map<string, S>;
}

/** Test hook: wraps each task handler (fault injection). */
export type TaskInterceptor<S extends string = AutotuneTaskState> = (
  state: S,
  handler: TaskFn,
) => TaskFn;

/**
 * Runs one of the stack's state machines in this process with aws-local-stepfunctions: the same
 * definition CDK deploys (placeholder ARNs for its Task states), each Task state mapped to the
 * same Lambda handler CDK deploys for it. Map iterations run concurrently.
 */
export class LocalStateMachine<S extends string, I extends object> {
  private readonly running = new Map<string, { abort: () => void; done: Promise<unknown> }>();
  private interceptor: TaskInterceptor<S> | undefined;
  private prepared: Promise<Prepared<S>> | undefined;

  constructor(
    private readonly options: {
      /** What it runs, for log lines ("autotune", "import"). */
      readonly label: string;
      /** The definition with each task's function ARN given by `arnOf`. */
      readonly substitute: (arnOf: (task: S) => string) => unknown;
      readonly tasks: Record<S, { readonly entry: string }>;
      /** The Error of its Fail state that ends a job recorded FAILED (expected, not a runner fault). */
      readonly failedError: string;
      readonly idOf: (input: I) => string;
    },
  ) {}

  /** Sets (or clears) the fault-injection hook. */
  intercept(interceptor: TaskInterceptor<S> | undefined): void {
    this.interceptor = interceptor;
  }

  /**
   * Loads the task handlers and validates the definition, once: the local stack does it at
   * start, so the first job does not pay for it.
   */
  prepare(): Promise<Prepared<S>> {
    this.prepared ??= (async () => {
      const arnOf = (task: S) =>
        `arn:aws:lambda:us-east-1:000000000000:function:vectord-local-${this.options.label}-${task}`;
      const definition = this.options.substitute(arnOf);
      const tasks = Object.keys(this.options.tasks) as S[];
      const states = taskStates(
        definition,
        Object.fromEntries(tasks.map((t) => [t, arnOf(t)])) as Record<S, string>,
      );
      const modules = new Map<S, TaskFn>();
      for (const [state, spec] of Object.entries(this.options.tasks) as [S, { entry: string }][]) {
        const module = (await import(pathToFileURL(resolve(REPO_ROOT, spec.entry)).href)) as {
          handler: TaskFn;
        };
        modules.set(state, module.handler);
      }
      // One StateMachine runs every execution (it validates the definition when constructed).
      return { machine: new StateMachine(definition as never), modules, states };
    })();
    return this.prepared;
  }

  /** Starts an execution with `input` and returns; it runs in this process (see `drain`). */
  async start(input: I): Promise<void> {
    const { machine, modules, states } = await this.prepare();
    const handlers: Record<string, TaskFn> = {};
    // Every Task state that invokes a task's function (an import's Finish and Failed share one).
    for (const [name, task] of states) {
      const module = modules.get(task) as TaskFn;
      handlers[name] = this.interceptor ? this.interceptor(task, module) : module;
    }
    const execution = machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      noThrowOnAbort: true,
    });
    const id = this.options.idOf(input);
    const done = execution.result.then(
      () => undefined,
      (err: unknown) => {
        // A job recorded FAILED ends its execution in the Fail state: expected, and the job
        // record says why. Anything else is the runner failing.
        const cause = (err as { cause?: { name?: string } }).cause;
        if (cause?.name === this.options.failedError) {
          logger.info(`${this.options.label} execution ended in its Fail state`, { id });
        } else {
          logger.error(`local ${this.options.label} execution failed`, { id, error: err as Error });
        }
      },
    );
    this.running.set(id, { abort: execution.abort, done });
    void done.finally(() => this.running.delete(id));
  }

  /** Waits for the running executions (they finish their current tasks), for a clean stop. */
  async drain(): Promise<void> {
    await Promise.all([...this.running.values()].map((r) => r.done));
  }
}

/** The local autotune workflow. */
export type LocalWorkflow = LocalStateMachine<AutotuneTaskState, AutotuneInput> & WorkflowStarter;

let autotune: LocalWorkflow | undefined;
let imports: (LocalStateMachine<ImportTaskState, ImportInput> & ImportStarter) | undefined;

/** The process's local autotune runner. */
export function localWorkflow(): LocalWorkflow {
  autotune ??= new LocalStateMachine({
    label: "autotune",
    substitute: substitutedDefinition,
    tasks: AUTOTUNE_TASKS,
    failedError: AUTOTUNE_DEFINITION.States.JobFailed.Error,
    idOf: (input: AutotuneInput) => input.job_id,
  });
  return autotune;
}

/** The process's local bulk-import runner. */
export function localImports(): LocalStateMachine<ImportTaskState, ImportInput> & ImportStarter {
  imports ??= new LocalStateMachine({
    label: "import",
    substitute: substitutedImportDefinition,
    tasks: IMPORT_TASKS,
    failedError: IMPORT_DEFINITION.States.ImportFailed.Error,
    idOf: (input: ImportInput) => input.import_id,
  });
  return imports;
}
