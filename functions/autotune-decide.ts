import type { WorkflowState } from "../src/app/autotune-state";
import { toTrialDto } from "../src/http/dto";
import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/** Step Functions task Decide: winner, promotion, lease release, the job's final record. */
export const handler = taskHandler("Decide", async (state: WorkflowState) => {
  const job = await services.autotuneDecision.decide(state);
  return {
    job_id: job.job_id,
    status: job.status,
    promoted: job.promoted,
    reason: job.reason,
    winner: job.winner ? toTrialDto(job.winner) : null,
  };
});
