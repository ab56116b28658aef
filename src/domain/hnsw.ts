import hnswlib from "hnswlib-node";
import { exactTopK, type VectorRows } from "./exact-search";
import type { BuildParams } from "./hnsw-config";
import type { Metric } from "./metric";
import { prepareQuery } from "./vector-math";

const { BruteforceSearch, HierarchicalNSW } = hnswlib;
export type HnswGraph = InstanceType<typeof HierarchicalNSW>;

/**
 * Copies row `r` of `rows` into `out`. hnswlib's `addPoint` and `searchKnn` take plain arrays;
 * filling one reused array by index is ~10x cheaper than `Array.from` per call.
 */
export function fillRow(rows: VectorRows, r: number, out: number[]): number[] {
  const base = r * rows.dimension;
  for (let j = 0; j < rows.dimension; j++) out[j] = rows.data[base + j] as number;
  return out;
}

/**
 * Builds an HNSW graph over every row; row `r` gets label `r`. Single-threaded and CPU-bound:
 * call it from a worker thread. Deterministic for the same rows and params.
 */
export function buildGraph(rows: VectorRows, metric: Metric, params: BuildParams): HnswGraph {
  const graph = new HierarchicalNSW(metric, rows.dimension);
  graph.initIndex({
    maxElements: Math.max(1, rows.rows),
    m: params.m,
    efConstruction: params.ef_construction,
    randomSeed: params.seed,
  });
  const point = new Array<number>(rows.dimension);
  for (let r = 0; r < rows.rows; r++) graph.addPoint(fillRow(rows, r, point), r);
  return graph;
}

/** Queries of a harness: rows, each with the index row to leave out of its results (or -1). */
export interface QueryRows extends VectorRows {
  readonly excludeRows: Int32Array;
}

/** How exact neighbors are computed: hnswlib's native brute force, or the Float32Array scan. */
export type ExactStrategy = "native" | "js";

/**
 * From this many queries on, the native brute-force index pays for its build (copying every row
 * through `addPoint`); below it the JS scan is faster. Measured by `npm run bench`.
 */
export const NATIVE_EXACT_MIN_QUERIES = 96;

export function chooseExactStrategy(queryCount: number): ExactStrategy {
  return queryCount >= NATIVE_EXACT_MIN_QUERIES ? "native" : "js";
}

/**
 * Exact top-k rows of every query (k per query, -1 padded when the index is smaller), leaving out
 * each query's `excludeRows` entry. `rows` must be prepared for the metric (unit length for
 * cosine); queries are raw.
 */
export function exactNeighbors(
  rows: VectorRows,
  metric: Metric,
  queries: QueryRows,
  k: number,
  strategy: ExactStrategy = chooseExactStrategy(queries.rows),
): Int32Array {
  const out = new Int32Array(queries.rows * k).fill(-1);
  if (rows.rows === 0) return out;
  if (strategy === "js") {
    for (let q = 0; q < queries.rows; q++) {
      const query = prepareQuery(
        metric,
        queries.data.subarray(q * queries.dimension, (q + 1) * queries.dimension),
      );
      const top = exactTopK(rows, metric, query, k, queries.excludeRows[q] as number);
      top.forEach((hit, i) => {
        out[q * k + i] = hit.row;
      });
    }
    return out;
  }
  const index = new BruteforceSearch(metric, rows.dimension);
  index.initIndex(rows.rows);
  const point = new Array<number>(rows.dimension);
  for (let r = 0; r < rows.rows; r++) index.addPoint(fillRow(rows, r, point), r);
  const qpoint = new Array<number>(queries.dimension);
  for (let q = 0; q < queries.rows; q++) {
    const exclude = queries.excludeRows[q] as number;
    const want = Math.min(rows.rows, k + (exclude >= 0 ? 1 : 0));
    const { neighbors, distances } = index.searchKnn(fillRow(queries, q, qpoint), want);
    const order = neighbors
      .map((row, i) => ({ row, distance: distances[i] as number }))
      .filter((n) => n.row !== exclude)
      .sort((a, b) => a.distance - b.distance || a.row - b.row)
      .slice(0, k);
    order.forEach((hit, i) => {
      out[q * k + i] = hit.row;
    });
  }
  return out;
}
