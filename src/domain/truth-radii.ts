import { exactTopKScalar, type VectorRows } from "./exact-search";
import type { QueryRows } from "./hnsw";
import type { Metric } from "./metric";
import { prepareQuery } from "./vector-math";

// No hnswlib here: the main thread of every function that prepares harness rows computes radii,
// and only graph functions ship the native addon.

/**
 * Per query, the distance of its farthest true neighbor (the last row of its truth in `truth`,
 * query-major, k per query, -1 padded), or `Infinity` for a query with none: the radius within
 * which a search result ties the truth (see `RecallMean`). Distances come from the scalar exact
 * scan (64-bit sums of the 32-bit values; `tieLimit` absorbs their last-digit differences from
 * hnswlib's); `rows` must be prepared for the metric (inverse norms for cosine), queries are raw.
 * One distance per query.
 */
export function truthRadii(
  rows: VectorRows,
  metric: Metric,
  queries: QueryRows,
  truth: Int32Array,
  k: number,
): Float64Array {
  const radii = new Float64Array(queries.rows).fill(Number.POSITIVE_INFINITY);
  const { dimension } = rows;
  for (let q = 0; q < queries.rows; q++) {
    let last = -1;
    for (let i = 0; i < k; i++) {
      const row = truth[q * k + i] as number;
      if (row >= 0) last = row;
    }
    if (last < 0) continue;
    const one: VectorRows = {
      data: rows.data.subarray(last * dimension, (last + 1) * dimension),
      dimension,
      rows: 1,
      ...(rows.inverseNorms && { inverseNorms: rows.inverseNorms.subarray(last, last + 1) }),
    };
    const query = prepareQuery(metric, queries.data.subarray(q * dimension, (q + 1) * dimension));
    radii[q] = (exactTopKScalar(one, metric, query, 1)[0] as { distance: number }).distance;
  }
  return radii;
}
