import { apiHandler, json } from "../src/http/api-handler";
import { toPromotionChange } from "../src/http/dto";
import { indexNameSchema } from "../src/http/schemas";
import { promoteQuery, trialIdSchema } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/**
 * POST /vectors/hnsw/promote/{index}/{trial_id}?promoted_by=&note=: make a trial's config current.
 * `promoted_by` defaults to the caller's IAM identity.
 */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  const trialId = req.path("trial_id", trialIdSchema);
  const { promoted_by, note } = req.query(promoteQuery);
  const change = await services.promotions.promote(
    index,
    trialId,
    promoted_by ?? req.caller,
    note ?? null,
  );
  return json(200, toPromotionChange(change));
});
