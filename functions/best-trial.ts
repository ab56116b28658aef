import { apiHandler, json } from "../src/http/api-handler";
import { toTrialDto } from "../src/http/dto";
import { indexNameSchema } from "../src/http/schemas";
import { bestTrialQuery } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/**
 * GET /vectors/hnsw/trials/{index}/best?min_recall=&harness=: max recall, then min p50, above the
 * gate (on one harness, when named).
 */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  const { min_recall, harness } = req.query(bestTrialQuery);
  return json(200, toTrialDto(await services.trialHistory.best(index, min_recall, harness)));
});
