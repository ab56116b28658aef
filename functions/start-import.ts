import { apiHandler, json } from "../src/http/api-handler";
import { importBody, indexNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** POST /vectors/indexes/{index}/imports: 202 with the import job; poll GET …/imports/{id}. */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  const body = req.body(importBody);
  return json(202, await services.imports.start(index, body, req.caller));
});
