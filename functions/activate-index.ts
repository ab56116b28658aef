import { apiHandler, json } from "../src/http/api-handler";
import { activateBody, indexNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** POST /vectors/hnsw/activate/{index}: build (or reuse) a graph and make searches use it. */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  const { default_config } = req.body(activateBody);
  return json(200, await services.activation.activate(index, default_config));
});
