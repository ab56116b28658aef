import type { BuildGroup } from "../src/domain/autotune";
import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/** Step Functions task RunBuildGroup (one Map iteration): one graph, measured. */
export const handler = taskHandler(
  "RunBuildGroup",
  (input: { job_id: string; index_name: string; harness: string; group: BuildGroup }) =>
    services.autotuneTasks.runGroup(input),
);
