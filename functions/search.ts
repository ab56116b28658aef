import { apiHandler, json } from "../src/http/api-handler";
import { indexNameSchema } from "../src/http/schemas";
import { searchRequestOf, searchResponseFor } from "../src/http/search-io";
import { searchBody } from "../src/http/search-schemas";
import { services } from "../src/services";

/**
 * POST /vectors/indexes/{index}/search: the k nearest neighbors of one query (`vector`) or of
 * each of a batch (`queries`), by the active graph or exactly, optionally filtered by metadata,
 * at `strong` (default) or `eventual` consistency.
 */
export const handler = apiHandler(async (req) => {
  const name = req.path("index", indexNameSchema);
  const body = req.body(searchBody);
  const result = await services.search.search(name, searchRequestOf(body));
  return json(200, searchResponseFor(body, result));
});
