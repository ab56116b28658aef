import { apiHandler, json } from "../src/http/api-handler";
import { toEvalSet } from "../src/http/dto";
import { harnessNameSchema } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/** GET /vectors/hnsw/evals/{name}: a harness, and whether its ground truth is stale. */
export const handler = apiHandler(async (req) => {
  const name = req.path("name", harnessNameSchema);
  return json(200, toEvalSet(await services.harnesses.get(name)));
});
