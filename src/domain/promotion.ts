import { ConflictError } from "./errors";
import type { HnswConfig } from "./hnsw-config";
import type { Trial, TrialMetrics } from "./trial";

/** Most history entries a registry keeps; the oldest falls off. */
export const HISTORY_CAP = 50;

/** The config an index is built with when nothing is promoted and the caller gives none. */
export const BUILTIN_DEFAULT_CONFIG: HnswConfig = {
  ef_construction: 80,
  ef_search: 30,
  m: 16,
  seed: 42,
};

/** One promotion: a trial's config and metrics, who promoted it and why. */
export interface PromotionEntry {
  /** The trial promoted. */
  readonly trial_id: string;
  /** Its config: what activation serves. */
  readonly config: HnswConfig;
  /** What the trial measured. */
  readonly metrics: TrialMetrics;
  /** Who promoted it (`autotune` for a job). */
  readonly promoted_by: string;
  /** Why, as the promoter put it. */
  readonly note: string | null;
  /** When (ISO 8601). */
  readonly promoted_at: string;
  /** The trial's graph and the data it was built from, so activation can reuse it. */
  readonly snapshot_key: string;
  /** The data version the trial's graph was built from. */
  readonly data_version: number;
  /** The index incarnation the trial measured. */
  readonly index_uid: string;
  /** The autotune job that promoted it, if one did (a retried job never promotes twice). */
  readonly job_id?: string;
}

/** The registry of one index: the current promotion and the ones before it, newest first. */
export interface PromotionRecord {
  /** The index. */
  readonly index_name: string;
  /**
   * The index incarnation the record belongs to: a record of an earlier incarnation (an index
   * deleted and created again) counts as no record at all.
   */
  readonly index_uid?: string;
  /** The promotion activation serves, or `null` when none is. */
  readonly current: PromotionEntry | null;
  /** Earlier promotions, newest first, at most 50: what a rollback restores. */
  readonly history: readonly PromotionEntry[];
  /** Bumped by every change; every write is conditional on it. */
  readonly version: number;
}

/**
 * The registry entry promoting `trial`, by `promotedBy` at `at` (and autotune job `jobId`, when one
 * promoted it).
 */
export function entryFromTrial(
  trial: Trial,
  promotedBy: string,
  note: string | null,
  at: string,
  jobId?: string,
): PromotionEntry {
  return {
    ...(jobId ? { job_id: jobId } : {}),
    trial_id: trial.trial_id,
    config: trial.config,
    metrics: trial.metrics,
    promoted_by: promotedBy,
    note,
    promoted_at: at,
    snapshot_key: trial.snapshot_key,
    data_version: trial.data_version,
    index_uid: trial.index_uid,
  };
}

/** True when the registry already holds a promotion made by autotune job `jobId`. */
export function promotedByJob(record: PromotionRecord | undefined, jobId: string): boolean {
  return Boolean(
    record && [record.current, ...record.history].some((e) => e !== null && e.job_id === jobId),
  );
}

/** `entry` becomes current; the previous current (if any) goes on top of the history. */
export function applyPromote(
  record: PromotionRecord | undefined,
  indexName: string,
  entry: PromotionEntry,
): PromotionRecord {
  const history = record?.current
    ? [record.current, ...record.history]
    : [...(record?.history ?? [])];
  return {
    index_name: indexName,
    index_uid: entry.index_uid,
    current: entry,
    history: history.slice(0, HISTORY_CAP),
    version: (record?.version ?? 0) + 1,
  };
}

/**
 * The newest history entry becomes current (the current one is dropped); with an empty history
 * current is cleared. Refused when there is nothing to roll back.
 */
export function applyRollback(
  record: PromotionRecord | undefined,
  indexName: string,
): PromotionRecord {
  if (!record || (record.current === null && record.history.length === 0)) {
    throw new ConflictError(
      "nothing_to_roll_back",
      `index "${indexName}" has no promotion to roll back`,
    );
  }
  const [previous, ...rest] = record.history;
  return {
    index_name: indexName,
    ...(record.index_uid ? { index_uid: record.index_uid } : {}),
    current: previous ?? null,
    history: rest,
    version: record.version + 1,
  };
}

/** The config to build with: the promoted one if there is one, else `fallback`. */
export function configOr(
  record: PromotionRecord | undefined,
  fallback: HnswConfig,
): { config: HnswConfig; source: "promoted" | "default"; entry: PromotionEntry | null } {
  const current = record?.current ?? null;
  return current
    ? { config: current.config, source: "promoted", entry: current }
    : { config: fallback, source: "default", entry: null };
}
