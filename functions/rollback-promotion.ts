import { apiHandler, json } from "../src/http/api-handler";
import { toPromotionChange } from "../src/http/dto";
import { indexNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** POST /vectors/hnsw/rollback/{index}: the previous promotion becomes current again. */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  return json(200, toPromotionChange(await services.promotions.rollback(index)));
});
