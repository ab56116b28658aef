import { apiHandler, noContent } from "../src/http/api-handler";
import { indexNameSchema, vectorIdSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** DELETE /vectors/indexes/{index}/vectors/{id}: remove one vector. */
export const handler = apiHandler(async (req) => {
  const name = req.path("index", indexNameSchema);
  const id = req.path("id", vectorIdSchema);
  await services.vectors.deleteVector(name, id);
  return noContent();
});
