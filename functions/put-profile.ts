import { apiHandler, json } from "../src/http/api-handler";
import { profileIdSchema, putProfileBody } from "../src/http/schemas";
import { services } from "../src/services";

/** PUT /vectors/profiles/{id}: create or replace a profile. */
export const handler = apiHandler(async (req) => {
  const id = req.path("id", profileIdSchema);
  const body = req.body(putProfileBody);
  return json(
    200,
    await services.profiles.put(id, { indexes: body.indexes, hnswConfig: body.hnsw_config }),
  );
});
