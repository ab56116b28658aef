import { z } from "zod";
import { ValidationError } from "./errors";
import { DEFAULT_M, DEFAULT_SEED, hnswParam } from "./hnsw-config";
import { numberInRange } from "./ranges";
import { bestTrial, type Trial } from "./trial";
import { paretoFront, pickFastest } from "./tuner";
import type { SearchSpace, Strategy } from "./tuning";

/** One grid entry: a config to try (seed is always the default, so trials are comparable). */
export interface GridEntry {
  /** Candidate list size while inserting. */
  readonly ef_construction: number;
  /** Candidate list size while searching. */
  readonly ef_search: number;
  /** Links per node (default 16 in a request). */
  readonly m: number;
}

/** The default grid: (ef_construction, ef_search) pairs at m = 16; 4 builds serve its 5 trials. */
export const DEFAULT_GRID: readonly GridEntry[] = [
  { ef_construction: 20, ef_search: 30, m: DEFAULT_M },
  { ef_construction: 40, ef_search: 30, m: DEFAULT_M },
  { ef_construction: 80, ef_search: 30, m: DEFAULT_M },
  { ef_construction: 80, ef_search: 60, m: DEFAULT_M },
  { ef_construction: 160, ef_search: 30, m: DEFAULT_M },
];

/** Most entries a grid may have. */
export const MAX_GRID_ENTRIES = 50;
/** Default recall gate of an autotune. */
export const DEFAULT_MIN_RECALL = 0.9;

/** A grid as a request gives it: validated against the trial bounds, 1..50 entries. */
export const gridSchema = z
  .array(
    z.strictObject({
      ef_construction: hnswParam("ef_construction"),
      ef_search: hnswParam("ef_search"),
      m: hnswParam("m").default(DEFAULT_M),
    }),
    { error: "expected an array of {ef_construction, ef_search, m?}" },
  )
  .min(1, { error: "must hold at least one entry" })
  .max(MAX_GRID_ENTRIES, {
    error: (issue) =>
      `holds ${(issue.input as unknown[]).length} entries; at most ${MAX_GRID_ENTRIES}`,
  });

/** A recall gate: a number from 0 to 1. */
export const minRecallSchema = numberInRange(0, 1);

/**
 * One graph an autotune builds, per (m, ef_construction). A `max_recall` group measures every
 * ef_search of its grid entries on it; a `target_recall` group finds the smallest ef_search
 * reaching the target on it.
 */
export interface BuildGroup {
  /** Links per node of the graph. */
  readonly m: number;
  /** Candidate list size while building the graph. */
  readonly ef_construction: number;
  /** Seed of the graph's level assignment (always the default, 42). */
  readonly seed: number;
  /** `max_recall`: every ef_search of the grid measured on this graph. */
  readonly ef_searches?: readonly number[];
  /** `target_recall`: the recall to reach, and the largest ef_search to try. */
  readonly target?: { readonly recall: number; readonly max_ef_search: number };
}

/** A build's expected cost, for ordering: it grows with ef_construction and m. */
export function buildCost(build: { m: number; ef_construction: number }): number {
  return build.m * build.ef_construction;
}

/** Longest builds first, so a round ends sooner. */
export function longestFirst<T extends { m: number; ef_construction: number }>(
  groups: readonly T[],
): T[] {
  return [...groups].sort((a, b) => buildCost(b) - buildCost(a));
}

/** Groups grid entries by (m, ef_construction), keeping first-seen order; duplicates are refused. */
export function planGroups(grid: readonly GridEntry[]): BuildGroup[] {
  const groups = new Map<string, { m: number; ef_construction: number; ef_searches: number[] }>();
  grid.forEach((entry, i) => {
    const key = `${entry.m}/${entry.ef_construction}`;
    const group = groups.get(key) ?? {
      m: entry.m,
      ef_construction: entry.ef_construction,
      ef_searches: [],
    };
    if (group.ef_searches.includes(entry.ef_search)) {
      throw new ValidationError(`grid[${i}]: duplicates an earlier entry ${JSON.stringify(entry)}`);
    }
    group.ef_searches.push(entry.ef_search);
    groups.set(key, group);
  });
  return longestFirst([...groups.values()].map((g) => ({ ...g, seed: DEFAULT_SEED })));
}

/**
 * Where an autotune job is: running, or finished with a promotion (or none to make) or an error.
 */
export type JobStatus = "RUNNING" | "SUCCEEDED" | "FAILED";
/** What started an autotune job: an API call, its policy's schedule, or enough appended vectors. */
export type JobTrigger = "api" | "schedule" | "append";

/** A build group that failed, and why. */
export interface FailedGroup {
  /** The build group that failed. */
  readonly group: BuildGroup;
  /** Its error's message. */
  readonly error: string;
}

/** How far a running job got. */
export interface JobProgress {
  /** The round of builds running or last run (1, 2, ...). */
  readonly round: number;
  /** Builds planned so far, across rounds. */
  readonly builds_planned: number;
  /** Builds finished so far (failed ones included). */
  readonly builds_done: number;
}

/** A measured point on the recall / latency Pareto front of a job. */
export interface ParetoPoint {
  /** The trial that measured it. */
  readonly trial_id: string;
  /** The config measured. */
  readonly config: Trial["config"];
  /** Its recall@k on the job's harness. */
  readonly recall_at_k: number;
  /** Its median search latency, µs. */
  readonly p50_us: number;
}

/** An autotune job as the API shows it. */
export interface Job {
  /** The job's id (a ULID). */
  readonly job_id: string;
  /** The index tuned. */
  readonly index_name: string;
  /** The index incarnation tuned (a re-created index does not list an earlier one's jobs). */
  readonly index_uid: string;
  /** The harness every trial is measured against. */
  readonly harness: string;
  /** Running, or how it ended. */
  readonly status: JobStatus;
  /** What started it. */
  readonly trigger: JobTrigger;
  /** Who started it: the caller's IAM identity, or the trigger (`schedule`) that did. */
  readonly started_by: string;
  /**
   * `max_recall` (the grid: max recall, then min p50) or `target_recall` (the config that reaches
   * `min_recall` fastest).
   */
  readonly strategy: Strategy;
  /** `max_recall`: the grid measured. */
  readonly grid: readonly GridEntry[] | null;
  /** `target_recall`: where it searched, and its build budget. */
  readonly space: SearchSpace | null;
  /** `target_recall`: the most graphs it builds; `null` for `max_recall`. */
  readonly max_builds: number | null;
  /** The recall gate (`max_recall`) or target (`target_recall`). */
  readonly min_recall: number;
  /** Every trial it journaled. */
  readonly trials: readonly Trial[];
  /** The trial it picked, or `null` when none cleared the gate (or it failed). */
  readonly winner: Trial | null;
  /** Whether it promoted the winner (a retried job never promotes twice). */
  readonly promoted: boolean;
  /** Why nothing was promoted, or which build groups failed; `null` when neither. */
  readonly reason: string | null;
  /** Build groups that failed, each with its error. */
  readonly failed_groups: readonly FailedGroup[];
  /** Measured points no other beats on both recall and p50, fastest first. */
  readonly pareto_front: readonly ParetoPoint[];
  /** Why the search stopped (`target_recall`), or that the grid was measured. */
  readonly stop_reason: string | null;
  /** How far it got. */
  readonly progress: JobProgress;
  /** When it started (ISO 8601). */
  readonly started_at: string;
  /** When it ended (ISO 8601), or `null` while it runs. */
  readonly finished_at: string | null;
  /** How long it ran, once ended. */
  readonly duration_ms: number | null;
}

/** The Pareto front of a job's trials (recall@k against p50). */
export function jobParetoFront(trials: readonly Trial[]): ParetoPoint[] {
  return paretoFront(
    trials.map((t) => ({
      trial_id: t.trial_id,
      config: t.config,
      recall: t.metrics.recall_at_k,
      p50_us: t.metrics.search_latency_p50_us,
    })),
  ).map(({ recall, ...p }) => ({ ...p, recall_at_k: recall }));
}

/**
 * The decision of a `target_recall` autotune: the fastest of `finalists` (trials that reached the
 * target, measured side by side), with latencies within 5% tied and broken by smaller memory,
 * then shorter build. With none, nothing is promoted and the reason names the best recall reached
 * and where.
 */
export function decideTarget(
  trials: readonly Trial[],
  finalists: readonly Trial[],
  target: number,
  builds: number,
  failed: readonly FailedGroup[],
  stopReason: string,
): { winner: Trial | null; status: JobStatus; reason: string | null } {
  if (trials.length === 0) {
    const why = failed.map((f) => f.error).join("; ");
    return { winner: null, status: "FAILED", reason: `every build failed: ${why}` };
  }
  const failures =
    failed.length > 0
      ? ` (${failed.length} build(s) failed: ${failed.map((f) => f.error).join("; ")})`
      : "";
  const reaching = finalists.filter((t) => t.metrics.recall_at_k >= target);
  const winner = pickFastest(reaching.map((t) => ({ ...latencyKey(t), trial: t })))?.trial ?? null;
  if (!winner) {
    const top = [...trials].sort(
      (a, b) => b.metrics.recall_at_k - a.metrics.recall_at_k,
    )[0] as Trial;
    const c = top.config;
    return {
      winner: null,
      status: "SUCCEEDED",
      reason:
        `target recall ${target} not reached within ${builds} build(s) (${stopReason}): the best recall_at_k ` +
        `was ${top.metrics.recall_at_k.toFixed(4)}, at m=${c.m} ef_construction=${c.ef_construction} ef_search=${c.ef_search}${failures}`,
    };
  }
  return { winner, status: "SUCCEEDED", reason: failures ? failures.trim() : null };
}

function latencyKey(t: Trial) {
  return {
    p50_us: t.metrics.search_latency_p50_us,
    memory_bytes: t.metrics.memory_bytes,
    build_time_ms: t.metrics.build_time_ms,
  };
}

/** The decision of an autotune: the winner (max recall, then min p50) if it clears the gate. */
export function decide(
  trials: readonly Trial[],
  minRecall: number,
  failed: readonly FailedGroup[],
): { winner: Trial | null; status: JobStatus; reason: string | null } {
  if (trials.length === 0) {
    const why = failed.map((f) => f.error).join("; ");
    return { winner: null, status: "FAILED", reason: `every build group failed: ${why}` };
  }
  const failures =
    failed.length > 0
      ? ` (${failed.length} build group(s) failed: ${failed.map((f) => f.error).join("; ")})`
      : "";
  const winner = bestTrial(trials, minRecall) ?? null;
  if (!winner) {
    const top = Math.max(...trials.map((t) => t.metrics.recall_at_k));
    return {
      winner: null,
      status: "SUCCEEDED",
      reason:
        `no trial cleared min_recall ${minRecall}: the best recall_at_k was ${top.toFixed(4)}; ` +
        "give a grid with larger ef_search and ef_construction, or use strategy target_recall, " +
        `which searches ef_search up to max_ef_search${failures}`,
    };
  }
  return { winner, status: "SUCCEEDED", reason: failures ? failures.trim() : null };
}

/** The note a winner is promoted with. */
export function winnerNote(winner: Trial): string {
  return `autotune winner: recall=${winner.metrics.recall_at_k.toFixed(4)} p50=${winner.metrics.search_latency_p50_us}us`;
}
