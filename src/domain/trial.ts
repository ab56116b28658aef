import type { HnswConfig } from "./hnsw-config";

/**
 * How a trial's recall@k counted a result as found:
 * - `"ties"`: a result no farther from the query than its k-th true neighbor counts (within
 *   `TIE_TOLERANCE`, trial-metrics.ts), as ann-benchmarks counts recall: among exact copies at
 *   one distance, any copy is a right answer;
 * - `"ids"`: only the very rows the exact scan kept count. Trials journaled before vectord
 *   recorded the rule counted this way; on data with copies they read lower, never higher,
 *   than `"ties"` would on the same searches, and on data without ties the two agree.
 */
export type RecallRule = "ties" | "ids";

/** The rule every trial measured now follows. */
export const RECALL_RULE: RecallRule = "ties";

/** What a trial measured. Latencies are per query, one query at a time, in µs. */
export interface TrialMetrics {
  /** Mean recall@k over the harness's queries. */
  readonly recall_at_k: number;
  /**
   * Its standard error: the standard deviation of the per-query recalls over √queries. Absent
   * on trials journaled before it was measured.
   */
  readonly recall_stderr?: number;
  /**
   * How recall_at_k counted a result as found. Absent on trials journaled before the rule was
   * recorded, which counted ids: read it through {@link recallRuleOf}.
   */
  readonly recall_rule?: RecallRule;
  /** The harness's k. */
  readonly k: number;
  /** Median search latency, µs. */
  readonly search_latency_p50_us: number;
  /** 95th percentile search latency, µs. */
  readonly search_latency_p95_us: number;
  /** 99th percentile search latency, µs. */
  readonly search_latency_p99_us: number;
  /** Time to build the graph, ms. */
  readonly build_time_ms: number;
  /** Size of the serialized graph. */
  readonly memory_bytes: number;
  /** Queries measured (the harness's). */
  readonly queries: number;
}

/** The rule a trial's recall@k followed: its `recall_rule`, or `"ids"` for a trial older than it. */
export function recallRuleOf(metrics: TrialMetrics): RecallRule {
  return metrics.recall_rule ?? "ids";
}

/** Who ran a trial: a caller of the API, or an autotune job. */
export type TrialSource = "manual" | "autotune";

/** One journal entry: a config measured against a harness. Never changed once written. */
export interface Trial {
  /** The trial's id (a ULID: the journal sorts by it). */
  readonly trial_id: string;
  /** The index measured. */
  readonly index_name: string;
  /** The harness it was measured against. */
  readonly harness: string;
  /** The config built and searched. */
  readonly config: HnswConfig;
  /** What it measured. */
  readonly metrics: TrialMetrics;
  /** The data version its graph was built from. */
  readonly data_version: number;
  /** Who ran it. */
  readonly source: TrialSource;
  /** The caller's note, if any. */
  readonly note: string | null;
  /** When it was journaled (ISO 8601). */
  readonly created_at: string;
  /** The autotune job that ran it, if any. */
  readonly job_id?: string;
  /** Where the trial's graph is kept, for a promotion to serve without rebuilding. */
  readonly snapshot_key: string;
  /** Incarnation of the index the trial measured. */
  readonly index_uid: string;
}

/**
 * Orders trials best first: higher recall@k, then lower p50 latency, then the earlier trial
 * (smaller id), so the choice is deterministic.
 */
export function compareTrials(a: Trial, b: Trial): number {
  return (
    b.metrics.recall_at_k - a.metrics.recall_at_k ||
    a.metrics.search_latency_p50_us - b.metrics.search_latency_p50_us ||
    (a.trial_id < b.trial_id ? -1 : a.trial_id > b.trial_id ? 1 : 0)
  );
}

/** The best trial with recall@k of at least `minRecall`, or `undefined` when none clears it. */
export function bestTrial(trials: Iterable<Trial>, minRecall: number): Trial | undefined {
  let best: Trial | undefined;
  for (const t of trials) {
    if (t.metrics.recall_at_k < minRecall) continue;
    if (!best || compareTrials(t, best) < 0) best = t;
  }
  return best;
}
