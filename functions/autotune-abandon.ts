import type { WorkflowState } from "../src/app/autotune-state";
import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/** Step Functions task Abandon (Decide's Catch): record the job FAILED and free its lease. */
export const handler = taskHandler("Abandon", async (state: WorkflowState) => {
  const job = await services.autotuneDecision.abandon(state);
  return { job_id: job.job_id, status: job.status, promoted: job.promoted, reason: job.reason };
});
