import { apiHandler, json } from "../src/http/api-handler";
import { toJob } from "../src/http/dto";
import { jobIdSchema } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/** GET /vectors/hnsw/autotune/{job_id}: one job, from its DynamoDB record. */
export const handler = apiHandler(async (req) => {
  return json(200, toJob(await services.autotune.get(req.path("job_id", jobIdSchema))));
});
