import { apiHandler, json } from "../src/http/api-handler";
import { toEvalSet } from "../src/http/dto";
import { autogenEvalBody, harnessNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** POST /vectors/hnsw/evals/{name}/autogen: a harness of index vectors chosen by a seed. */
export const handler = apiHandler(async (req) => {
  const name = req.path("name", harnessNameSchema);
  const body = req.body(autogenEvalBody);
  const harness = await services.harnesses.autogen(name, {
    indexName: body.index_name,
    count: body.count,
    k: body.k,
    seed: body.seed,
  });
  return json(201, toEvalSet({ harness, stale: false }));
});
