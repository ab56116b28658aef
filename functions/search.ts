import { apiHandler, json } from "../src/http/api-handler";
import { indexNameSchema, searchBody } from "../src/http/schemas";
import { services } from "../src/services";

/** POST /vectors/indexes/{index}/search: k nearest neighbors, by the active graph or exactly. */
export const handler = apiHandler(async (req) => {
  const name = req.path("index", indexNameSchema);
  const body = req.body(searchBody);
  const result = await services.search.search(name, {
    vector: body.vector,
    k: body.k,
    efSearch: body.ef_search,
    exact: body.exact,
  });
  return json(200, result);
});
