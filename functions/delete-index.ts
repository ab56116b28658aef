import { apiHandler, noContent } from "../src/http/api-handler";
import { indexNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** DELETE /vectors/indexes/{index}: the index, its vectors, graphs, registry and policy. */
export const handler = apiHandler(async (req) => {
  await services.deletion.delete(req.path("index", indexNameSchema));
  return noContent();
});
