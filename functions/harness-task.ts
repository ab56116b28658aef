import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/**
 * Background task: run one harness request (see POST /vectors/hnsw/evals/…): load the index,
 * compute the harness's exact ground truth, save it, and record how the run ended.
 */
export const handler = taskHandler("HarnessTask", (event: { index_name: string; run_id: string }) =>
  services.harnessRuns.run(event.index_name, event.run_id),
);
