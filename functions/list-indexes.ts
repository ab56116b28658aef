import { apiHandler, json } from "../src/http/api-handler";
import { toIndexInfo } from "../src/http/dto";
import { listIndexesQuery } from "../src/http/schemas";
import { services } from "../src/services";

/** GET /vectors/indexes: a page of the indexes (sorted by name within it), and the next page's token. */
export const handler = apiHandler(async (req) => {
  const { limit, next_token } = req.query(listIndexesQuery);
  const page = await services.vectors.listIndexes(limit, next_token);
  return json(200, {
    indexes: page.items.map(toIndexInfo),
    ...(page.next ? { next_token: page.next } : {}),
  });
});
