import { apiHandler, json } from "../src/http/api-handler";
import { indexNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** GET /vectors/hnsw/autotune/policies/{index}: the index's autotune policy. */
export const handler = apiHandler(async (req) => {
  return json(200, await services.policies.get(req.path("index", indexNameSchema)));
});
