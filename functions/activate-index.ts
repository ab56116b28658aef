import { errorFromRecord } from "../src/domain/errors";
import { accepted, apiHandler, json } from "../src/http/api-handler";
import { activateBody, indexNameSchema, waitQuery } from "../src/http/schemas";
import { services } from "../src/services";

/**
 * POST /vectors/hnsw/activate/{index}: starts the activation task (build, catch up or reuse a
 * graph, then flip searches to it) and waits up to `wait_seconds` for it: 200 with what it
 * made, its error, or 202 with the activation to poll at GET /vectors/hnsw/activations/….
 */
export const handler = apiHandler(async (req) => {
  const index = req.path("index", indexNameSchema);
  const { wait_seconds } = req.query(waitQuery);
  const { default_config } = req.body(activateBody);
  const ended = await services.activationJobs.activate(index, default_config, wait_seconds * 1000);
  if (ended.status === "RUNNING") {
    return accepted(
      ended,
      `/vectors/hnsw/activations/${encodeURIComponent(index)}/${ended.activation_id}`,
    );
  }
  if (ended.status === "FAILED" && ended.error) throw errorFromRecord(ended.error);
  return json(200, { activation_id: ended.activation_id, ...ended.result });
});
