import { apiHandler, json } from "../src/http/api-handler";
import { toIndexInfo } from "../src/http/dto";
import { indexNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** GET /vectors/indexes/{index}: one index's settings and counters. */
export const handler = apiHandler(async (req) => {
  const name = req.path("index", indexNameSchema);
  return json(200, toIndexInfo(await services.vectors.getIndex(name)));
});
