import { apiHandler, json } from "../src/http/api-handler";
import { importIdSchema, indexNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** GET /vectors/indexes/{index}/imports/{import_id}: an import job and its progress. */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  const importId = req.path("import_id", importIdSchema);
  return json(200, await services.imports.get(index, importId));
});
