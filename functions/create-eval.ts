import { apiHandler, json } from "../src/http/api-handler";
import { toEvalSet } from "../src/http/dto";
import { createEvalBody, harnessNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** POST /vectors/hnsw/evals/{name}: a harness from given queries, with exact ground truth. */
export const handler = apiHandler(async (req) => {
  const name = req.path("name", harnessNameSchema);
  const body = req.body(createEvalBody);
  const harness = await services.harnesses.create(name, {
    indexName: body.index_name,
    k: body.k,
    queries: body.queries,
  });
  return json(201, toEvalSet({ harness, stale: false }));
});
