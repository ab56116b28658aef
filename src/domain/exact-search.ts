import type { Metric } from "./metric";
import { type ScanMemory, scanRows } from "./scan-kernel";
import { TopK } from "./top-k";

/** Row-major vectors: row `i` is `data[i * dimension .. (i + 1) * dimension)`. */
export interface VectorRows {
  /** The values, row-major. */
  readonly data: Float32Array;
  /** Values per row. */
  readonly dimension: number;
  /** Number of rows. */
  readonly rows: number;
  /**
   * For `cosine`: 1 / |row| per row (0 for a zero row), so rows are kept as written and no
   * normalized copy is needed. Required by {@link exactTopK} for `cosine`.
   */
  readonly inverseNorms?: Float64Array;
}

/** 1 / |row| of every row, in shared memory (worker threads read it without a copy). */
export function inverseNorms(data: Float32Array, dimension: number, rows: number): Float64Array {
  const out = new Float64Array(new SharedArrayBuffer(rows * 8));
  for (let r = 0, base = 0; r < rows; r++, base += dimension) {
    let sum = 0;
    for (let j = 0; j < dimension; j++) {
      const x = data[base + j] as number;
      sum += x * x;
    }
    out[r] = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  }
  return out;
}

/** One neighbor: a row of a {@link VectorRows} and its distance to the query. */
export interface Neighbor {
  /** The row's index. */
  readonly row: number;
  /** Its distance to the query under the metric. */
  readonly distance: number;
}

/**
 * Exact top-k by brute force over every row. `query` must be prepared for the metric (unit
 * length for `cosine`, see `prepareQuery`); for `cosine` the rows carry their inverse norms.
 * `excludeRow` (default -1: none) leaves one row out, used when a query is itself a row;
 * `mask`, when given, leaves out every row `r` with `mask[r] === 0` (a metadata filter);
 * `memory` says which rows the kernel keeps in its memory (default: up to 64 MiB).
 *
 * Distances are computed by the WebAssembly SIMD kernel (./scan-kernel.ts: 32-bit floats, as
 * hnswlib computes them), which scores every row, or by {@link exactTopKScalar} where that is
 * unavailable or a mask keeps too few rows to be worth scoring them all. Ties on distance go to
 * the smaller row.
 */
export function exactTopK(
  rows: VectorRows,
  metric: Metric,
  query: Float32Array,
  k: number,
  excludeRow = -1,
  mask?: Uint8Array,
  memory?: ScanMemory,
): Neighbor[] {
  const { data, dimension, rows: n } = rows;
  const scale = checkScan(rows, metric, query);
  // The kernel scores every row; the scalar scan only the rows a mask keeps.
  if (mask && countOnes(mask, n) * SIMD_SPEEDUP < n) {
    return exactTopKScalar(rows, metric, query, k, excludeRow, mask);
  }
  const top = new TopK(Math.max(1, Math.min(k, n)));
  const op = metric === "l2" ? "l2" : "dot";
  const simd = scanRows(
    data,
    dimension,
    n,
    op,
    query,
    (first, values) => {
      for (let i = 0; i < values.length; i++) {
        const r = first + i;
        if (r === excludeRow || (mask && mask[r] === 0)) continue;
        const v = values[i] as number;
        const dist = metric === "l2" ? v : 1 - (scale ? v * (scale[r] as number) : v);
        if (dist <= top.bound) top.offer(dist, r);
      }
    },
    memory,
  );
  if (!simd) return exactTopKScalar(rows, metric, query, k, excludeRow, mask);
  return n === 0 ? [] : top.sorted();
}

/**
 * How many times faster the SIMD kernel scores a row than the scalar scan (6.4x on MNIST,
 * `npm run bench -- exact`): a mask that keeps fewer rows than this share is scanned scalar.
 */
const SIMD_SPEEDUP = 6;

/** The 1s among the first `n` entries of `mask`. */
function countOnes(mask: Uint8Array, n: number): number {
  let ones = 0;
  for (let r = 0; r < n; r++) ones += mask[r] as number;
  return ones;
}

/** Checks a scan's query against its rows; returns the rows' inverse norms under `cosine`. */
function checkScan(rows: VectorRows, metric: Metric, query: Float32Array) {
  if (query.length !== rows.dimension) {
    throw new RangeError(`query has ${query.length} values, expected ${rows.dimension}`);
  }
  const scale = metric === "cosine" ? rows.inverseNorms : undefined;
  if (metric === "cosine" && (!scale || scale.length < rows.rows)) {
    throw new RangeError(`cosine rows need inverseNorms for all ${rows.rows} rows`);
  }
  return scale;
}

/**
 * {@link exactTopK} in plain JavaScript, accumulating in 64-bit floats: the fallback where
 * WebAssembly SIMD is unavailable, and the baseline the kernel is tested and benchmarked
 * against. The hot loop allocates nothing per row; one loop per metric keeps it monomorphic.
 */
export function exactTopKScalar(
  rows: VectorRows,
  metric: Metric,
  query: Float32Array,
  k: number,
  excludeRow = -1,
  mask?: Uint8Array,
): Neighbor[] {
  const { data, dimension, rows: n } = rows;
  const scale = checkScan(rows, metric, query);
  const top = new TopK(Math.max(1, Math.min(k, n)));
  // Four accumulators break the add dependency chain (about 10% faster on 784-d MNIST).
  const tail = dimension - (dimension % 4);
  if (metric === "l2") {
    for (let r = 0, base = 0; r < n; r++, base += dimension) {
      if (r === excludeRow || (mask && mask[r] === 0)) continue;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j < tail; j += 4) {
        const d0 = (data[base + j] as number) - (query[j] as number);
        const d1 = (data[base + j + 1] as number) - (query[j + 1] as number);
        const d2 = (data[base + j + 2] as number) - (query[j + 2] as number);
        const d3 = (data[base + j + 3] as number) - (query[j + 3] as number);
        s0 += d0 * d0;
        s1 += d1 * d1;
        s2 += d2 * d2;
        s3 += d3 * d3;
      }
      for (; j < dimension; j++) {
        const d = (data[base + j] as number) - (query[j] as number);
        s0 += d * d;
      }
      const dist = s0 + s1 + s2 + s3;
      if (dist <= top.bound) top.offer(dist, r);
    }
  } else {
    for (let r = 0, base = 0; r < n; r++, base += dimension) {
      if (r === excludeRow || (mask && mask[r] === 0)) continue;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j < tail; j += 4) {
        s0 += (data[base + j] as number) * (query[j] as number);
        s1 += (data[base + j + 1] as number) * (query[j + 1] as number);
        s2 += (data[base + j + 2] as number) * (query[j + 2] as number);
        s3 += (data[base + j + 3] as number) * (query[j + 3] as number);
      }
      for (; j < dimension; j++) s0 += (data[base + j] as number) * (query[j] as number);
      const dot = s0 + s1 + s2 + s3;
      const dist = 1 - (scale ? dot * (scale[r] as number) : dot);
      if (dist <= top.bound) top.offer(dist, r);
    }
  }
  return n === 0 ? [] : top.sorted();
}

/** Just the rows of `v`, as a plain object that can be posted to a worker thread. */
export function plainRows(v: VectorRows): VectorRows {
  return {
    data: v.data,
    dimension: v.dimension,
    rows: v.rows,
    ...(v.inverseNorms ? { inverseNorms: v.inverseNorms } : {}),
  };
}
