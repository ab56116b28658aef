import { apiHandler, json } from "../src/http/api-handler";
import { indexNameSchema, listVectorsQuery } from "../src/http/schemas";
import { services } from "../src/services";

/**
 * GET /vectors/indexes/{index}/vectors: a page of the index's live vector ids, in the order of
 * their hashes, and the next page's token.
 */
export const handler = apiHandler(async (req) => {
  const name = req.path("index", indexNameSchema);
  const { limit, next_token } = req.query(listVectorsQuery);
  const page = await services.vectors.listVectorIds(name, limit, next_token);
  return json(200, { ids: page.items, ...(page.next ? { next_token: page.next } : {}) });
});
