import { apiHandler, json } from "../src/http/api-handler";
import { toTrialRunDto } from "../src/http/dto";
import { indexNameSchema, runIdSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** GET /vectors/hnsw/trial-runs/{index}/{run_id}: one manual trial's run and how it ended. */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  const id = req.path("run_id", runIdSchema);
  return json(200, toTrialRunDto(await services.trialRuns.get(index, id)));
});
