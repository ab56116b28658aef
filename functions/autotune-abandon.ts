import type { DecideInput } from "../src/app/autotune-service";
import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/** Step Functions task Abandon (Decide's Catch): record the job FAILED and free its lease. */
export const handler = taskHandler("Abandon", async (input: DecideInput) => {
  const job = await services.autotune.abandon(input);
  return { job_id: job.job_id, status: job.status, promoted: job.promoted, reason: job.reason };
});
