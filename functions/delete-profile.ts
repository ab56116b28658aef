import { apiHandler, noContent } from "../src/http/api-handler";
import { profileIdSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** DELETE /vectors/profiles/{id}: delete a search profile (204); 404 when there is none. */
export const handler = apiHandler(async (req) => {
  await services.profiles.delete(req.path("id", profileIdSchema));
  return noContent();
});
