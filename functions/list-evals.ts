import { apiHandler, json } from "../src/http/api-handler";
import { toEvalSet } from "../src/http/dto";
import { listEvalsQuery } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/**
 * GET /vectors/hnsw/evals: a page of harnesses in name order (of `index_name` only, when given),
 * each with whether it is stale, and the next page's token.
 */
export const handler = apiHandler(async (req) => {
  const { index_name, limit, next_token } = req.query(listEvalsQuery);
  const page = await services.harnesses.list({
    limit,
    after: next_token,
    indexName: index_name,
  });
  return json(200, {
    harnesses: page.harnesses.map(toEvalSet),
    ...(page.next ? { next_token: page.next } : {}),
  });
});
