import { apiHandler, json } from "../src/http/api-handler";
import { toIndexInfo } from "../src/http/dto";
import { indexNameSchema, putIndexBody } from "../src/http/schemas";
import { services } from "../src/services";

/**
 * PUT /vectors/indexes/{index}: create an index (201), or confirm one of the same dimension and
 * metric (200), setting any `maintenance` fields given.
 */
export const handler = apiHandler(async (req) => {
  const name = req.path("index", indexNameSchema);
  const settings = req.body(putIndexBody);
  const { created, index } = await services.vectors.createIndex(name, settings);
  return json(created ? 201 : 200, toIndexInfo(index));
});
