import { apiHandler, json } from "../src/http/api-handler";
import { profileIdSchema } from "../src/http/schemas";
import { searchRequestOf, searchResponseFor } from "../src/http/search-io";
import { profileSearchBody } from "../src/http/search-schemas";
import { services } from "../src/services";

/** POST /vectors/profiles/{id}/search: search one index of the profile (same options as search). */
export const handler = apiHandler(async (req) => {
  const id = req.path("id", profileIdSchema);
  const body = req.body(profileSearchBody);
  const result = await services.profiles.search(id, body.index_name, searchRequestOf(body));
  return json(200, searchResponseFor(body, result));
});
