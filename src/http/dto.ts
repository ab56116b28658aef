import type { HarnessView } from "../app/harness-service";
import type { IndexRecord } from "../domain/index-record";
import type { Trial } from "../domain/trial";

/** IndexInfo as the API returns it (snake_case). */
export function toIndexInfo(record: IndexRecord) {
  return {
    name: record.name,
    dimension: record.dimension,
    metric: record.metric,
    count: record.count,
    data_version: record.dataVersion,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

/** EvalSet as the API returns it: the harness without its vectors and ground truth. */
export function toEvalSet({ harness, stale }: HarnessView) {
  return {
    name: harness.name,
    index_name: harness.indexName,
    k: harness.k,
    queries: harness.queries.length,
    data_version: harness.dataVersion,
    ground_truth_built: true,
    stale,
    source: harness.origin.kind,
    ...(harness.origin.kind === "autogen" ? { seed: harness.origin.seed } : {}),
    created_at: harness.createdAt,
    refreshed_at: harness.refreshedAt,
  };
}

/** Trial as the API returns it. */
export function toTrialDto(trial: Trial) {
  const { index_uid: _uid, ...visible } = trial;
  return visible;
}
