import type { HarnessRun } from "../app/harness-runs";
import type { HarnessView } from "../app/harness-service";
import type { PromotionChange } from "../app/promotion-service";
import type { TrialRun } from "../app/trial-runs";
import type { Job } from "../domain/autotune";
import type { IndexRecord } from "../domain/index-record";
import { maintenanceOf } from "../domain/maintenance";
import type { PromotionEntry, PromotionRecord } from "../domain/promotion";
import { pendingEstimate } from "../domain/tail";
import type { TaskRun } from "../domain/task-run";
import { recallRuleOf, type Trial, type TrialMetrics } from "../domain/trial";

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
    active: record.active
      ? {
          generation: record.active.generation,
          config: record.active.config,
          data_version: record.active.data_version,
          activated_at: record.active.activated_at,
          labels: record.active.labels ?? null,
          deleted_labels: record.active.deleted_labels ?? 0,
          /** Writes (upserts and deletes) not in the graph yet, estimated from the catalog. */
          pending_writes: pendingEstimate(record.segments, record.active.data_version),
        }
      : null,
    maintenance: maintenanceOf(record),
  };
}

/** EvalSet as the API returns it: the harness without its vectors and ground truth. */
export function toEvalSet({ harness, stale }: HarnessView) {
  return {
    name: harness.name,
    index_name: harness.indexName,
    k: harness.k,
    queries: harness.queryCount,
    data_version: harness.dataVersion,
    ground_truth_built: true,
    stale,
    source: harness.origin.kind,
    ...(harness.origin.kind === "autogen" ? { seed: harness.origin.seed } : {}),
    created_at: harness.createdAt,
    refreshed_at: harness.refreshedAt,
  };
}

/** A trial's metrics as the API returns them: `recall_rule` always said (`"ids"` when older). */
function toMetricsDto(metrics: TrialMetrics) {
  return { ...metrics, recall_rule: recallRuleOf(metrics) };
}

/** Trial as the API returns it. */
export function toTrialDto(trial: Trial) {
  const { index_uid: _uid, ...visible } = trial;
  return { ...visible, metrics: toMetricsDto(trial.metrics) };
}

/**
 * A run of a task as the API returns it: what was asked (`asked`), its status and, once ended,
 * what it made (`result`, as the API shows it) or its error.
 */
function toRunDto<I, R>(
  run: TaskRun<I, R>,
  asked: (input: I) => Record<string, unknown>,
  result: (made: R) => unknown,
) {
  return {
    index_name: run.scope,
    run_id: run.run_id,
    status: run.status,
    ...asked(run.input),
    requested_at: run.requested_at,
    finished_at: run.finished_at,
    result: run.result && result(run.result),
    error: run.error,
    expires_at: run.expires_at,
  };
}

/** A harness run as the API returns it: what was asked, and the harness once saved. */
export function toHarnessRunDto(run: HarnessRun) {
  return toRunDto(
    run,
    ({ action, name }) => ({ action, harness: name }),
    (harness) => toEvalSet({ harness, stale: false }),
  );
}

/** A manual trial's run as the API returns it: what was asked, and the trial once journaled. */
export function toTrialRunDto(run: TrialRun) {
  return toRunDto(run, ({ harness, config, note }) => ({ harness, config, note }), toTrialDto);
}

/** PromotionEntry as the API returns it. */
export function toPromotionEntry(entry: PromotionEntry | null) {
  if (!entry) return null;
  const { trial_id, config, metrics, promoted_by, note, promoted_at } = entry;
  return { trial_id, config, metrics: toMetricsDto(metrics), promoted_by, note, promoted_at };
}

/** The registry after a promote or rollback. */
export function toPromotionChange(change: PromotionChange) {
  return {
    index_name: change.index_name,
    current: toPromotionEntry(change.current),
    history_depth: change.history_depth,
  };
}

/** The whole registry record of an index. */
export function toPromoted(record: PromotionRecord) {
  return {
    index_name: record.index_name,
    current: toPromotionEntry(record.current),
    history: record.history.map(toPromotionEntry),
    version: record.version,
  };
}

/** Job as the API returns it. */
export function toJob(job: Job) {
  return {
    ...job,
    trials: job.trials.map(toTrialDto),
    winner: job.winner ? toTrialDto(job.winner) : null,
  };
}
