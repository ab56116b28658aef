import { apiHandler, json } from "../src/http/api-handler";
import { toPromoted } from "../src/http/dto";
import { indexNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** GET /vectors/hnsw/promoted/{index}: the current promotion and its history. */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  return json(200, toPromoted(await services.promotions.get(index)));
});
