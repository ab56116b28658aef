import { apiHandler, json } from "../src/http/api-handler";
import { toJob } from "../src/http/dto";
import { startAutotuneBody } from "../src/http/tuning-schemas";
import { services } from "../src/services";

/** POST /vectors/hnsw/autotune: 202 with the job, or 200 when it finishes within wait_seconds. */
export const handler = apiHandler(async (req) => {
  const body = req.body(startAutotuneBody);
  const job = await services.autotune.start({
    indexName: body.index_name,
    harness: body.harness,
    tuning: body, // strategy, min_recall, grid, space, max_builds
    maxConcurrency: body.max_concurrency,
    trigger: "api",
    startedBy: req.caller,
  });
  const latest =
    body.wait_seconds > 0 ? await services.autotune.waitFor(job.job_id, body.wait_seconds) : job;
  return latest.status === "RUNNING"
    ? json(202, { job_id: latest.job_id, status: latest.status })
    : json(200, toJob(latest));
});
