import { apiHandler, json } from "../src/http/api-handler";
import { toHarnessRunDto } from "../src/http/dto";
import { indexNameSchema, runIdSchema } from "../src/http/schemas";
import { services } from "../src/services";

/** GET /vectors/hnsw/harness-runs/{index}/{run_id}: one harness run and how it ended. */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  const id = req.path("run_id", runIdSchema);
  return json(200, toHarnessRunDto(await services.harnessRuns.get(index, id)));
});
