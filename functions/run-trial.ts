import { apiHandler, json } from "../src/http/api-handler";
import { toTrialDto } from "../src/http/dto";
import { trialBody } from "../src/http/schemas";
import { services } from "../src/services";

/** POST /vectors/hnsw/trial: build a graph with a config, measure it, journal the result. */
export const handler = apiHandler(async (req) => {
  const body = req.body(trialBody);
  const trial = await services.trials.run({
    indexName: body.index_name,
    harness: body.harness,
    config: body.config,
    note: body.note,
  });
  return json(201, toTrialDto(trial));
});
