import { apiHandler } from "../src/http/api-handler";
import { harnessAnswer } from "../src/http/harness-answer";
import { waitQuery } from "../src/http/schemas";
import { createEvalBody, harnessNameSchema } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/**
 * POST /vectors/hnsw/evals/{name}: a harness from given queries; its exact ground truth is
 * computed by the harness task, which the request waits for up to `wait_seconds` (else 202).
 */
export const handler = apiHandler(async (req) => {
  const name = req.path("name", harnessNameSchema);
  const { wait_seconds } = req.query(waitQuery);
  const body = req.body(createEvalBody);
  const request = { indexName: body.index_name, k: body.k, queries: body.queries };
  return harnessAnswer(await services.harnessRuns.create(name, request, wait_seconds * 1000), 201);
});
