import { apiHandler, json } from "../src/http/api-handler";
import { profileIdSchema, profileSearchBody } from "../src/http/schemas";
import { services } from "../src/services";

/** POST /vectors/profiles/{id}/search: search one index of the profile. */
export const handler = apiHandler(async (req) => {
  const id = req.path("id", profileIdSchema);
  const body = req.body(profileSearchBody);
  const result = await services.profiles.search(id, body.index_name, {
    vector: body.vector,
    k: body.k,
    efSearch: body.ef_search,
    exact: body.exact,
  });
  return json(200, result);
});
