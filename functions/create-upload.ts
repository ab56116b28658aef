import { apiHandler, json } from "../src/http/api-handler";
import { createUploadBody } from "../src/http/schemas";
import { services } from "../src/services";

/** POST /vectors/uploads: 201 with a signed PUT URL and the `source` that names the file. */
export const handler = apiHandler(async (req) => {
  const body = req.body(createUploadBody);
  return json(201, await services.imports.createUpload(body.format));
});
