import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/**
 * Background task: run one manual trial (see POST /vectors/hnsw/trial): build its graph over the
 * index, measure it on the harness, journal the trial, and record how the run ended.
 */
export const handler = taskHandler(
  "RunTrialTask",
  (event: { index_name: string; run_id: string }) =>
    services.trialRuns.run(event.index_name, event.run_id),
);
