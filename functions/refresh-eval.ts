import { apiHandler, json } from "../src/http/api-handler";
import { toEvalSet } from "../src/http/dto";
import { harnessNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** POST /vectors/hnsw/evals/{name}/refresh: recompute ground truth for the current data. */
export const handler = apiHandler(async (req) => {
  const name = req.path("name", harnessNameSchema);
  const harness = await services.harnesses.refresh(name);
  return json(200, toEvalSet({ harness, stale: false }));
});
