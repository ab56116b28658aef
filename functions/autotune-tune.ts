import type { WorkflowState } from "../src/app/autotune-state";
import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/** Step Functions task Tune: record the round, plan the next one or stop (the loop's state). */
export const handler = taskHandler("Tune", (state: WorkflowState) =>
  services.autotuneTasks.tune(state),
);
