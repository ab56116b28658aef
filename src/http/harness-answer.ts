import type { HarnessRun } from "../app/harness-runs";
import { type ApiResult, json } from "./api-handler";
import { toEvalSet, toHarnessRunDto } from "./dto";
import { runAnswer } from "./run-answer";

/**
 * The answer to a harness request (create, autogen, refresh) that started its task and waited:
 * `status` with the harness (and its `run_id`), its error, or 202 with the run to poll at
 * GET /vectors/hnsw/harness-runs/{index}/{run_id}.
 */
export function harnessAnswer(run: HarnessRun, status: 200 | 201): ApiResult {
  const location = `/vectors/hnsw/harness-runs/${encodeURIComponent(run.scope)}/${run.run_id}`;
  return runAnswer(run, { body: toHarnessRunDto(run), location }, (harness) =>
    json(status, { ...toEvalSet({ harness, stale: false }), run_id: run.run_id }),
  );
}
