import { apiHandler, json } from "../src/http/api-handler";
import { toIndexInfo } from "../src/http/dto";
import { services } from "../src/services";

/** GET /vectors/indexes: every index, by name. */
export const handler = apiHandler(async () => {
  const indexes = await services.vectors.listIndexes();
  return json(200, { indexes: indexes.map(toIndexInfo) });
});
