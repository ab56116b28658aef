import { apiHandler } from "../src/http/api-handler";
import { harnessAnswer } from "../src/http/harness-answer";
import { waitQuery } from "../src/http/schemas";
import { autogenEvalBody, harnessNameSchema } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/**
 * POST /vectors/hnsw/evals/{name}/autogen: a harness of index vectors chosen by a seed, made by
 * the harness task, which the request waits for up to `wait_seconds` (else 202).
 */
export const handler = apiHandler(async (req) => {
  const name = req.path("name", harnessNameSchema);
  const { wait_seconds } = req.query(waitQuery);
  const body = req.body(autogenEvalBody);
  const request = { indexName: body.index_name, count: body.count, k: body.k, seed: body.seed };
  return harnessAnswer(await services.harnessRuns.autogen(name, request, wait_seconds * 1000), 201);
});
