import { apiHandler, json } from "../src/http/api-handler";
import { activationIdSchema, indexNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** GET /vectors/hnsw/activations/{index}/{activation_id}: one activation and how it ended. */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  const id = req.path("activation_id", activationIdSchema);
  return json(200, await services.activationJobs.get(index, id));
});
