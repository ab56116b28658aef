import { apiHandler, json } from "../src/http/api-handler";
import { profileIdSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** POST /vectors/profiles/{id}/activate: activate every index of the profile; each reports alone. */
export const handler = apiHandler(async (req) => {
  return json(200, await services.profiles.activate(req.path("id", profileIdSchema)));
});
