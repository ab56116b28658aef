import { apiHandler, noContent } from "../src/http/api-handler";
import { harnessNameSchema } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/**
 * DELETE /vectors/hnsw/evals/{name}: delete a harness (204); 404 when there is none, 409
 * `harness_in_use` while its index's autotune policy names it. Its trials stay in the journal.
 */
export const handler = apiHandler(async (req) => {
  await services.harnessDeletion.delete(req.path("name", harnessNameSchema));
  return noContent();
});
