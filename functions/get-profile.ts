import { apiHandler, json } from "../src/http/api-handler";
import { profileIdSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** GET /vectors/profiles/{id}: one profile. */
export const handler = apiHandler(async (req) => {
  return json(200, await services.profiles.get(req.path("id", profileIdSchema)));
});
