import { errorFromRecord } from "../src/domain/errors";
import { apiHandler, json } from "../src/http/api-handler";
import { activateBody, activateQuery, indexNameSchema } from "../src/http/schemas";
import { services } from "../src/services";

/**
 * POST /vectors/hnsw/activate/{index}: starts the activation task (build, catch up or reuse a
 * graph, then flip searches to it) and waits up to `wait_seconds` for it: 200 with what it
 * made, its error, or 202 with the activation to poll at GET /vectors/hnsw/activations/….
 */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  const { wait_seconds } = req.query(activateQuery);
  const { default_config } = req.body(activateBody);
  const ended = await services.activationJobs.activate(index, default_config, wait_seconds * 1000);
  if (ended.status === "RUNNING") {
    const accepted = json(202, ended);
    const location = `/vectors/hnsw/activations/${encodeURIComponent(index)}/${ended.activation_id}`;
    return { ...accepted, headers: { ...accepted.headers, location } };
  }
  if (ended.status === "FAILED" && ended.error) throw errorFromRecord(ended.error);
  return json(200, { activation_id: ended.activation_id, ...ended.result });
});
