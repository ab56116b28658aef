import type { WorkflowState } from "../src/app/autotune-state";
import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/** Step Functions task Runoff: measure the target_recall finalists side by side. */
export const handler = taskHandler("Runoff", (state: WorkflowState) =>
  services.autotuneTasks.runoff(state),
);
