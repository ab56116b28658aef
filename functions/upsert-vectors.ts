import { apiHandler, json } from "../src/http/api-handler";
import { indexNameSchema } from "../src/http/schemas";
import { upsertBody } from "../src/http/vector-schemas";
import { services } from "../src/services";

/** POST /vectors/indexes/{index}/vectors: upsert up to 1,000 vectors (may trigger autotune). */
export const handler = apiHandler(async (req) => {
  const name = req.path("index", indexNameSchema);
  const { vectors } = req.body(upsertBody);
  const result = await services.ingest.upsert(name, vectors, req.caller);
  return json(200, {
    upserted: result.upserted,
    count: result.count,
    data_version: result.dataVersion,
  });
});
