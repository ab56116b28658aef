import { apiHandler, json } from "../src/http/api-handler";
import { toTrialDto } from "../src/http/dto";
import { indexNameSchema } from "../src/http/schemas";
import { trialIdSchema } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/** GET /vectors/hnsw/trials/{index}/{trial_id}: one trial. */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  const trialId = req.path("trial_id", trialIdSchema);
  return json(200, toTrialDto(await services.trialHistory.get(index, trialId)));
});
