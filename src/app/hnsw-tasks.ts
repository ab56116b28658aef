import { statSync } from "node:fs";
import hnswlib from "hnswlib-node";
import type { VectorRows } from "../domain/exact-search";
import { type HeldOut, inLabels, keptMask } from "../domain/held-out";
import { buildGraph, exactNeighbors, type QueryRows } from "../domain/hnsw";
import { type BuildParams, graphMemoryBytes } from "../domain/hnsw-config";
import { type Answers, type ArmMeasurement, measureArms, recallAt } from "../domain/hnsw-measure";
import type { Metric } from "../domain/metric";
import { latencySummary } from "../domain/trial-metrics";
import { searchEf } from "../domain/tuner";
import { free, hold, makeRoom } from "./held-graph";

// Worker-thread tasks (run through piscina): the CPU-bound HNSW work, off the event loop.

/**
 * A harness's queries and exact truth (`truth`: top-k rows per query, -1 padded; `radii`: each
 * query's farthest true distance, so ties count), as a worker measures against them.
 */
export interface HarnessRows extends Answers {
  /** The harness's queries, each with the index row to leave out. */
  readonly queries: QueryRows;
  /**
   * The rows a trial's graph holds out (its queries' sources, ../domain/held-out.ts) and the
   * graph's labels; absent when the queries came from none.
   */
  readonly held?: HeldOut;
}

/** What one measured ef_search gave. */
export interface SearchResultSummary {
  /** The ef_search measured. */
  readonly efSearch: number;
  /** Mean recall@k. */
  readonly recall: number;
  /** Its standard error over the queries. */
  readonly recallStderr: number;
  /** Median search latency, µs. */
  readonly p50Us: number;
  /** 95th percentile search latency, µs. */
  readonly p95Us: number;
  /** 99th percentile search latency, µs. */
  readonly p99Us: number;
}

/**
 * What {@link buildAndMeasure} measured: the build's time, the graph's size on disk (its memory, as
 * hnswlib holds it), and each ef_search's recall and latencies.
 */
export interface MeasureResult {
  /** Time to build the graph, ms. */
  readonly buildTimeMs: number;
  /** Size of the serialized graph. */
  readonly memoryBytes: number;
  /** What each ef_search measured. */
  readonly searches: readonly SearchResultSummary[];
}

function summarize(efSearch: number, m: ArmMeasurement): SearchResultSummary {
  const lat = latencySummary(m.latenciesUs);
  const { recall, recallStderr } = m;
  return { efSearch, recall, recallStderr, p50Us: lat.p50, p95Us: lat.p95, p99Us: lat.p99 };
}

function timedBuild(
  task: { rows: VectorRows; metric: Metric; build: BuildParams },
  labelRows?: Int32Array,
) {
  const started = performance.now();
  const graph = buildGraph(task.rows, task.metric, task.build, labelRows);
  return { graph, buildTimeMs: Math.round((performance.now() - started) * 10) / 10 };
}

/** Build one graph and measure every `efSearches` entry on it (interleaved passes). */
export interface MeasureTask extends HarnessRows {
  /** The index's vectors. */
  readonly rows: VectorRows;
  /** The index's metric. */
  readonly metric: Metric;
  /** The graph's build parameters. */
  readonly build: BuildParams;
  /** Every ef_search to measure on the graph. */
  readonly efSearches: readonly number[];
  /** File to serialize the graph to (hnswlib writes to paths only). */
  readonly snapshotPath: string;
}

/**
 * A trial's graph of `task`'s rows without the harness's held-out rows (see
 * ../domain/held-out.ts), and the queries and truth in its labels.
 */
function heldOutBuild(task: Omit<MeasureTask, "efSearches">) {
  const built = timedBuild(task, task.held?.labelRows);
  return { ...built, ...measuredAs(task.held, task) };
}

/** The queries and answers as a graph without `held`'s rows sees them (radii are unchanged). */
export function measuredAs(held: HeldOut | undefined, rows: HarnessRows): HarnessRows {
  return held ? { ...rows, ...inLabels(held, rows.queries, rows.truth, rows.k) } : rows;
}

/**
 * Builds `task`'s graph (without the harness's held-out rows: label l is the l-th row of the
 * rest), writes it to `task.snapshotPath`, and measures every ef_search of `task.efSearches` on
 * that one build (interleaved passes).
 */
export function buildAndMeasure(task: MeasureTask): MeasureResult {
  const { graph, buildTimeMs, ...measuring } = heldOutBuild(task);
  graph.writeIndexSync(task.snapshotPath);
  const arms = task.efSearches.map((efSearch) => ({ graph, efSearch }));
  const measured = measureArms(arms, measuring.queries, measuring);
  return {
    buildTimeMs,
    memoryBytes: statSync(task.snapshotPath).size,
    searches: task.efSearches.map((ef, i) => summarize(ef, measured[i] as ArmMeasurement)),
  };
}

/**
 * Build one graph and find the smallest ef_search reaching `target` by a binary search over ef
 * (recall probes are single untimed passes), then time every probed ef with interleaved passes.
 */
export interface TuneTask extends Omit<MeasureTask, "efSearches"> {
  /** The recall@k to reach. */
  readonly target: number;
  /** The smallest ef_search to try. */
  readonly minEfSearch: number;
  /** The largest ef_search to try. */
  readonly maxEfSearch: number;
}

/** What {@link buildAndTune} measured: every ef_search it probed, and the one it found. */
export interface TuneResult extends MeasureResult {
  /** The smallest ef_search that reached the target, or `null` when none up to the max did. */
  readonly found: number | null;
}

/**
 * Builds `task`'s graph (without the harness's held-out rows, as {@link buildAndMeasure}), writes
 * it to `task.snapshotPath`, and searches the ef_search range for the smallest value that
 * reaches `task.target` recall, measuring each value probed.
 */
export function buildAndTune(task: TuneTask): TuneResult {
  const { graph, buildTimeMs, ...measuring } = heldOutBuild(task);
  const { queries } = measuring;
  graph.writeIndexSync(task.snapshotPath);
  const { probes, found } = searchEf(
    (ef) => recallAt(graph, queries, measuring, ef),
    task.target,
    task.minEfSearch,
    task.maxEfSearch,
  );
  const efs = [...new Set(probes.map((p) => p.ef))].sort((a, b) => a - b);
  const measured = measureArms(
    efs.map((efSearch) => ({ graph, efSearch })),
    queries,
    measuring,
  );
  return {
    buildTimeMs,
    memoryBytes: statSync(task.snapshotPath).size,
    searches: efs.map((ef, i) => summarize(ef, measured[i] as ArmMeasurement)),
    found,
  };
}

/** Re-measure finalists (graphs read from files) side by side, with interleaved passes. */
export interface RunoffTask extends HarnessRows {
  /** The index's metric. */
  readonly metric: Metric;
  /** The index's dimension. */
  readonly dimension: number;
  /** Each finalist's graph file and the ef_search it is measured at. */
  readonly finalists: readonly { readonly path: string; readonly efSearch: number }[];
  /** Interleaved passes over the queries. */
  readonly passes: number;
}

/**
 * Reads every finalist's graph from its file and measures them side by side, `task.passes`
 * interleaved passes, so that the load of the moment falls on all of them alike. Graphs built
 * without the harness's held-out rows (every trial's since they are held out) are measured in
 * their labels; a graph of every row (a trial's from before) as it always was.
 */
export function runoff(task: RunoffTask): SearchResultSummary[] {
  const arms = task.finalists.map((f) => {
    const graph = new hnswlib.HierarchicalNSW(task.metric, task.dimension);
    graph.readIndexSync(f.path);
    return { graph, efSearch: f.efSearch };
  });
  const { held } = task;
  const holdsOut = held && arms.every((a) => a.graph.getCurrentCount() === held.labelRows.length);
  const measuring = measuredAs(holdsOut ? held : undefined, task);
  const measured = measureArms(arms, measuring.queries, measuring, task.passes);
  return task.finalists.map((f, i) => summarize(f.efSearch, measured[i] as ArmMeasurement));
}

/** Exact top-k rows of every query. */
export interface GroundTruthTask {
  /** The index's vectors. */
  readonly rows: VectorRows;
  /** The index's metric. */
  readonly metric: Metric;
  /** The queries, each with the index row to leave out. */
  readonly queries: QueryRows;
  /** Neighbors per query. */
  readonly k: number;
}

/**
 * The exact top `task.k` rows of each query (row numbers into `task.rows`, query-major; -1 where
 * the index has fewer than k rows), leaving out every query's source row: the rows a trial's
 * graph holds out (../domain/held-out.ts).
 */
export function groundTruth(task: GroundTruthTask): Int32Array {
  const mask = keptMask(task.rows.rows, task.queries);
  return exactNeighbors(task.rows, task.metric, task.queries, task.k, mask);
}

/** Build one graph and serialize it to `path` (activation). */
export interface BuildTask {
  /** The vectors, row `r` becoming label `r`. */
  readonly rows: VectorRows;
  /** The index's metric. */
  readonly metric: Metric;
  /** The graph's build parameters. */
  readonly build: BuildParams;
  /** Where to write the graph. */
  readonly path: string;
  /**
   * The object key the graph is stored under. When given, the thread keeps the graph in memory
   * afterwards, as that key's graph, for the next catch-up of it (see `CatchUpTask.inKey`), as
   * long as `heldBudget` allows; the runner runs such a build on its generation thread. Default:
   * none (nothing held).
   */
  readonly holdAs?: string;
  /**
   * Bytes the graphs the thread holds may take in all, this build's included (default 0: only the
   * graph written last is held; see `CatchUpTask.heldBudget`).
   */
  readonly heldBudget?: number;
}

/**
 * Builds `task`'s graph and writes it to `task.path`; returns the build's time and the file's
 * size. Graphs the thread held longest are let go first, until the others and this one (estimated,
 * `graphMemoryBytes`) fit `task.heldBudget` (all of them by default); the built graph is freed once
 * written, unless `task.holdAs` keeps it.
 */
export function buildToFile(task: BuildTask): { buildTimeMs: number; bytes: number } {
  const { rows, dimension } = task.rows;
  const budget = task.heldBudget ?? 0;
  makeRoom(graphMemoryBytes(rows, dimension, task.build.m), budget);
  const { graph, buildTimeMs } = timedBuild(task);
  let holding = false;
  try {
    graph.writeIndexSync(task.path);
    const bytes = statSync(task.path).size;
    if (task.holdAs !== undefined) {
      hold(task.holdAs, graph, bytes, budget);
      holding = true;
    }
    return { buildTimeMs, bytes };
  } finally {
    if (!holding) free(graph);
  }
}

// The catch-up task and the held graph live in modules of their own; the worker entry and the
// Lambda worker bundle take every task from this module.
export { type CatchUpResult, type CatchUpTask, catchUpGraph } from "./catch-up-task";
export { releaseHeld } from "./held-graph";
