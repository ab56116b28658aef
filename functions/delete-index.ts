import { apiHandler, noContent } from "../src/http/api-handler";
import { indexNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** DELETE /vectors/indexes/{index}: the index and all its stored vectors. */
export const handler = apiHandler(async (req) => {
  await services.vectors.deleteIndex(req.path("index", indexNameSchema));
  return noContent();
});
