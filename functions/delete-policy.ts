import { apiHandler, noContent } from "../src/http/api-handler";
import { indexNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** DELETE /vectors/hnsw/autotune/policies/{index}: stop tuning the index automatically. */
export const handler = apiHandler(async (req) => {
  await services.policies.delete(req.path("index", indexNameSchema));
  return noContent();
});
