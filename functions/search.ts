import { apiHandler, json } from "../src/http/api-handler";
import { indexNameSchema, searchBody } from "../src/http/schemas";
import { services } from "../src/services";

/** POST /vectors/indexes/{index}/search: k nearest neighbors, nearest first. */
export const handler = apiHandler(async (req) => {
  const name = req.path("index", indexNameSchema);
  const { vector, k } = req.body(searchBody);
  const { results } = await services.vectors.search(name, { vector, k });
  return json(200, { results, mode: "exact" });
});
