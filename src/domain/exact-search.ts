import type { Metric } from "./metric";
import { TopK } from "./top-k";

/** Row-major vectors: row `i` is `data[i * dimension .. (i + 1) * dimension)`. */
export interface VectorRows {
  readonly data: Float32Array;
  readonly dimension: number;
  readonly rows: number;
}

/** One neighbor: a row of a {@link VectorRows} and its distance to the query. */
export interface Neighbor {
  readonly row: number;
  readonly distance: number;
}

/**
 * Exact top-k by brute force over every row. `query` must be prepared for the metric
 * (unit length for `cosine`), and so must the rows. `excludeRow` (default -1: none) leaves one
 * row out, used when a query is itself a row of the index.
 *
 * The hot loop allocates nothing per row; one loop per metric keeps it monomorphic.
 */
export function exactTopK(
  rows: VectorRows,
  metric: Metric,
  query: Float32Array,
  k: number,
  excludeRow = -1,
): Neighbor[] {
  const { data, dimension, rows: n } = rows;
  if (query.length !== dimension) {
    throw new RangeError(`query has ${query.length} values, expected ${dimension}`);
  }
  const top = new TopK(Math.max(1, Math.min(k, n)));
  if (metric === "l2") {
    for (let r = 0, base = 0; r < n; r++, base += dimension) {
      if (r === excludeRow) continue;
      let sum = 0;
      for (let j = 0; j < dimension; j++) {
        const d = (data[base + j] as number) - (query[j] as number);
        sum += d * d;
      }
      if (sum <= top.bound) top.offer(sum, r);
    }
  } else {
    for (let r = 0, base = 0; r < n; r++, base += dimension) {
      if (r === excludeRow) continue;
      let dot = 0;
      for (let j = 0; j < dimension; j++) dot += (data[base + j] as number) * (query[j] as number);
      const dist = 1 - dot;
      if (dist <= top.bound) top.offer(dist, r);
    }
  }
  return n === 0 ? [] : top.sorted();
}
