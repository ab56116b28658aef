import type { BackgroundTasks, ImportStarter, WorkflowStarter } from "./app/work-ports";

// The local stack's stand-ins for Lambda tasks and Step Functions, used by `createServices` when
// the settings name no function or state machine. Each loads its implementation on first use by
// a computed specifier, so Lambda bundles never include the local stack.

/**
 * The local stack's background tasks, loaded on first use by a computed specifier so Lambda
 * bundles never include them (on AWS every function that starts a task has its function's name).
 */
export function inProcessTasks(): BackgroundTasks {
  const load = async () => {
    const specifier = new URL("./local/local-tasks.ts", import.meta.url).href;
    return ((await import(/* @vite-ignore */ specifier)) as typeof import("./local/local-tasks"))
      .localTasks;
  };
  return {
    async start(task, indexName, runId) {
      (await load())().start(task, indexName, runId);
    },
  };
}

/**
 * The local stack's workflow runner, loaded on first use by a computed specifier so Lambda
 * bundles never include it (on AWS every function that starts autotune has the state machine).
 */
export function inProcessWorkflow(): WorkflowStarter {
  return {
    async start(input) {
      await (await localWorkflows()).localWorkflow().start(input);
    },
  };
}

/** The local stack's import runner, loaded on first use (see {@link inProcessWorkflow}). */
export function inProcessImports(): ImportStarter {
  return {
    async start(input) {
      await (await localWorkflows()).localImports().start(input);
    },
  };
}

async function localWorkflows() {
  const specifier = new URL("./local/local-workflow.ts", import.meta.url).href;
  return (await import(/* @vite-ignore */ specifier)) as typeof import("./local/local-workflow");
}
