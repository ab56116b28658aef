import { apiHandler, json } from "../src/http/api-handler";
import { indexNameSchema } from "../src/http/schemas";
import { getVectorsBody } from "../src/http/vector-schemas";
import { services } from "../src/services";

/**
 * POST /vectors/indexes/{index}/vectors/get: up to 100 vectors by id, in the order asked, and the
 * ids that are not live.
 */
export const handler = apiHandler(async (req) => {
  const name = req.path("index", indexNameSchema);
  const { ids } = req.body(getVectorsBody);
  const found = await services.vectors.getVectors(name, ids);
  return json(200, {
    vectors: found.filter((v) => v !== undefined),
    not_found: ids.filter((_, i) => found[i] === undefined),
  });
});
