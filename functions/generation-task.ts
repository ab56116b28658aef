import type { Context } from "aws-lambda";
import type { BackgroundTaskEvent } from "../infra/background-tasks";
import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/**
 * Fold the vectors written since an index's active graph into a copy of it (or rebuild it past
 * the deleted-label threshold), as a new generation. Started by writes once pending vectors pass
 * the index's threshold; one at a time per index.
 */
const catchUp = taskHandler("CatchUpIndex", (event: BackgroundTaskEvent) =>
  services.maintenance.catchUp(event.index_name),
);

/**
 * Run one activation (see POST /vectors/hnsw/activate/{index}): make its generation (build,
 * catch up or copy a graph), flip the index to it, and record how it ended.
 */
const activate = taskHandler("ActivateIndexTask", (event: BackgroundTaskEvent) => {
  if (event.run_id === undefined) {
    throw new Error(`activate task for "${event.index_name}" names no run_id`);
  }
  return services.activationJobs.run(event.index_name, event.run_id);
});

/**
 * Background task function of the two tasks that make an index's next generation, `catchUp` and
 * `activate` (one function, so a warm instance's held graph serves either's next catch-up: see
 * `GENERATION_TASK` in infra/background-tasks.ts). The event names its task.
 */
export const handler = (event: BackgroundTaskEvent, context?: Context): Promise<unknown> => {
  if (event.task === "catchUp") return catchUp(event, context);
  if (event.task === "activate") return activate(event, context);
  throw new Error(
    `the generation task runs "catchUp" or "activate"; the event named ${JSON.stringify(event.task)}`,
  );
};
