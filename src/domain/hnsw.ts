import hnswlib from "hnswlib-node";
import { exactTopK, type VectorRows } from "./exact-search";
import type { BuildParams } from "./hnsw-config";
import type { Metric } from "./metric";
import { MIRROR_LIMIT_BYTES } from "./scan-kernel";
import { prepareQuery } from "./vector-math";

const { HierarchicalNSW } = hnswlib;
/** An hnswlib-node graph (`HierarchicalNSW`). */
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

/**
 * Exact top-k rows of every query (k per query, -1 padded when the index is smaller), leaving out
 * each query's `excludeRows` entry. `rows` must be prepared for the metric (unit length for
 * cosine); queries are raw. Runs on the SIMD scan, the rows copied once into the kernel's memory
 * for every query of the call whatever their size (up to {@link MIRROR_LIMIT_BYTES}): ground truth
 * is computed in a task of its own, sized for it. Faster than hnswlib's native brute force from
 * 10 queries to 1,000, its build included (`npm run bench -- ground-truth`).
 */
export function exactNeighbors(
  rows: VectorRows,
  metric: Metric,
  queries: QueryRows,
  k: number,
): Int32Array {
  const out = new Int32Array(queries.rows * k).fill(-1);
  if (rows.rows === 0) return out;
  const memory = { mirrorMaxBytes: MIRROR_LIMIT_BYTES };
  for (let q = 0; q < queries.rows; q++) {
    const query = prepareQuery(
      metric,
      queries.data.subarray(q * queries.dimension, (q + 1) * queries.dimension),
    );
    const exclude = queries.excludeRows[q] as number;
    const top = exactTopK(rows, metric, query, k, exclude, undefined, memory);
    top.forEach((hit, i) => {
      out[q * k + i] = hit.row;
    });
  }
  return out;
}
