import { apiHandler, json } from "../src/http/api-handler";
import { indexNameSchema } from "../src/http/schemas";
import { putPolicyBody } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/** PUT /vectors/hnsw/autotune/policies/{index}: when to tune the index, and with what. */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  const body = req.body(putPolicyBody);
  const policy = await services.policies.put(index, {
    harness: body.harness,
    tuning: body, // strategy, min_recall, grid, space, max_builds
    everyMinutes: body.every_minutes,
    minNewVectors: body.min_new_vectors,
  });
  return json(200, policy);
});
