import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/**
 * Background task: run one activation (see POST /vectors/hnsw/activate/{index}): make its
 * generation (build, catch up or copy a graph), flip the index to it, and record how it ended.
 */
export const handler = taskHandler(
  "ActivateIndexTask",
  (event: { index_name: string; run_id: string }) =>
    services.activationJobs.run(event.index_name, event.run_id),
);
