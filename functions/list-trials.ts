import { apiHandler, json } from "../src/http/api-handler";
import { toTrialDto } from "../src/http/dto";
import { indexNameSchema } from "../src/http/schemas";
import { listTrialsQuery } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/** GET /vectors/hnsw/trials/{index}: the trial journal, newest first, paginated. */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  const { limit, next_token } = req.query(listTrialsQuery);
  const page = await services.trialHistory.list(index, limit, next_token);
  return json(200, {
    trials: page.items.map(toTrialDto),
    ...(page.next ? { next_token: page.next } : {}),
  });
});
