import { apiHandler, json } from "../src/http/api-handler";
import { indexNameSchema } from "../src/http/schemas";
import { deleteVectorsBody } from "../src/http/vector-schemas";
import { services } from "../src/services";

/**
 * POST /vectors/indexes/{index}/vectors/delete: delete up to 1,000 vectors by id in one write;
 * ids that are not live are left alone.
 */
export const handler = apiHandler(async (req) => {
  const name = req.path("index", indexNameSchema);
  const { ids } = req.body(deleteVectorsBody);
  const result = await services.vectors.deleteVectors(name, ids);
  return json(200, {
    deleted: result.deleted,
    count: result.count,
    data_version: result.dataVersion,
  });
});
