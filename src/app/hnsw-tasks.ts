import { statSync } from "node:fs";
import type { VectorRows } from "../domain/exact-search";
import { buildGraph, exactNeighbors, measureSearch, type QueryRows } from "../domain/hnsw";
import type { BuildParams } from "../domain/hnsw-config";
import type { Metric } from "../domain/metric";
import { latencySummary } from "../domain/trial-metrics";

// Worker-thread tasks (run through piscina): the CPU-bound HNSW work, off the event loop.

/** Build one graph and measure every `efSearches` entry on it. */
export interface MeasureTask {
  readonly rows: VectorRows;
  readonly metric: Metric;
  readonly build: BuildParams;
  readonly queries: QueryRows;
  /** Exact top-k rows per query, -1 padded. */
  readonly truth: Int32Array;
  readonly k: number;
  readonly efSearches: readonly number[];
  /** File to serialize the graph to (hnswlib writes to paths only). */
  readonly snapshotPath: string;
}

export interface SearchResultSummary {
  readonly efSearch: number;
  readonly recall: number;
  readonly p50Us: number;
  readonly p95Us: number;
  readonly p99Us: number;
}

export interface MeasureResult {
  readonly buildTimeMs: number;
  readonly memoryBytes: number;
  readonly searches: readonly SearchResultSummary[];
}

export function buildAndMeasure(task: MeasureTask): MeasureResult {
  const started = performance.now();
  const graph = buildGraph(task.rows, task.metric, task.build);
  const buildTimeMs = Math.round((performance.now() - started) * 10) / 10;
  graph.writeIndexSync(task.snapshotPath);
  const memoryBytes = statSync(task.snapshotPath).size;
  const searches = task.efSearches.map((efSearch) => {
    const m = measureSearch(graph, task.queries, task.truth, task.k, efSearch);
    const lat = latencySummary(m.latenciesUs);
    return { efSearch, recall: m.recall, p50Us: lat.p50, p95Us: lat.p95, p99Us: lat.p99 };
  });
  return { buildTimeMs, memoryBytes, searches };
}

/** Exact top-k rows of every query. */
export interface GroundTruthTask {
  readonly rows: VectorRows;
  readonly metric: Metric;
  readonly queries: QueryRows;
  readonly k: number;
}

export function groundTruth(task: GroundTruthTask): Int32Array {
  return exactNeighbors(task.rows, task.metric, task.queries, task.k);
}

/** Build one graph and serialize it to `path` (activation). */
export interface BuildTask {
  readonly rows: VectorRows;
  readonly metric: Metric;
  readonly build: BuildParams;
  readonly path: string;
}

export function buildToFile(task: BuildTask): { buildTimeMs: number; bytes: number } {
  const started = performance.now();
  const graph = buildGraph(task.rows, task.metric, task.build);
  const buildTimeMs = Math.round((performance.now() - started) * 10) / 10;
  graph.writeIndexSync(task.path);
  return { buildTimeMs, bytes: statSync(task.path).size };
}
