import { apiHandler, json } from "../src/http/api-handler";
import { indexNameSchema, vectorIdSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** GET /vectors/indexes/{index}/vectors/{id}: one vector as it was written. */
export const handler = apiHandler(async (req) => {
  const name = req.path("index", indexNameSchema);
  const id = req.path("id", vectorIdSchema);
  return json(200, await services.vectors.getVector(name, id));
});
