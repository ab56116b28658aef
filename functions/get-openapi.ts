import { apiHandler, json } from "../src/http/api-handler";
import { openApiDocument } from "../src/http/openapi";

let document: unknown;

/** GET /openapi.json: the OpenAPI 3.1 document of this API (generated once per instance). */
export const handler = apiHandler(async () => {
  document ??= openApiDocument();
  return json(200, document);
});
