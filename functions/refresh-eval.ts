import { apiHandler } from "../src/http/api-handler";
import { harnessAnswer } from "../src/http/harness-answer";
import { waitQuery } from "../src/http/schemas";
import { harnessNameSchema } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/**
 * POST /vectors/hnsw/evals/{name}/refresh: recompute ground truth for the current data, in the
 * harness task, which the request waits for up to `wait_seconds` (else 202).
 */
export const handler = apiHandler(async (req) => {
  const name = req.path("name", harnessNameSchema);
  const { wait_seconds } = req.query(waitQuery);
  return harnessAnswer(await services.harnessRuns.refresh(name, wait_seconds * 1000), 200);
});
