import { apiHandler, json } from "../src/http/api-handler";
import { toTrialDto, toTrialRunDto } from "../src/http/dto";
import { runAnswer } from "../src/http/run-answer";
import { waitQuery } from "../src/http/schemas";
import { trialBody } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/**
 * POST /vectors/hnsw/trial: starts the trial task (build a graph with a config over the index,
 * measure it, journal the result) and waits up to `wait_seconds` for it: 201 with the trial,
 * its error, or 202 with the run to poll at GET /vectors/hnsw/trial-runs/….
 */
export const handler = apiHandler(async (req) => {
  const { wait_seconds } = req.query(waitQuery);
  const body = req.body(trialBody);
  const input = { harness: body.harness, config: body.config, note: body.note ?? null };
  const run = await services.trialRuns.submit(body.index_name, input, wait_seconds * 1000);
  const location = `/vectors/hnsw/trial-runs/${encodeURIComponent(run.scope)}/${run.run_id}`;
  return runAnswer(run, { body: toTrialRunDto(run), location }, (trial) =>
    json(201, { ...toTrialDto(trial), run_id: run.run_id }),
  );
});
