import { apiHandler, json } from "../src/http/api-handler";
import { runAnswer } from "../src/http/run-answer";
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
  const run = await services.activationJobs.activate(index, default_config, wait_seconds * 1000);
  const location = `/vectors/hnsw/activations/${encodeURIComponent(index)}/${run.activation_id}`;
  return runAnswer(run, { body: run, location }, (result) =>
    json(200, { activation_id: run.activation_id, ...result }),
  );
});
