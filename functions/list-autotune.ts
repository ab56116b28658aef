import { apiHandler, json } from "../src/http/api-handler";
import { toJob } from "../src/http/dto";
import { listAutotuneQuery } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/** GET /vectors/hnsw/autotune?index_name=: an index's recent jobs, newest first. */
export const handler = apiHandler(async (req) => {
  const { index_name, limit } = req.query(listAutotuneQuery);
  const jobs = await services.autotune.list(index_name, limit);
  return json(200, { jobs: jobs.map(toJob) });
});
