/**
 * How a filtered search over an HNSW graph runs. hnswlib skips the labels a filter rejects while
 * it walks the graph, so the walk must consider more candidates to find k that pass: ef_search
 * is widened to `max(ef_search, k) ÷ selectivity` (selectivity: the share of the graph's live
 * labels the filter keeps). A walk with ef_search `e` computes about `e × 2m` distances (each
 * candidate's layer-0 links), so when that reaches the number of matching vectors, or the
 * widened ef_search passes {@link MAX_FILTERED_EF}, the matching vectors are scanned exactly
 * instead: cheaper, and exact.
 */
export type FilteredPlan =
  | { readonly strategy: "graph"; readonly efSearch: number }
  | { readonly strategy: "scan" };

/** The widest ef_search a filtered graph search uses before it scans instead. */
export const MAX_FILTERED_EF = 4096;

/**
 * How to run a filtered search (see {@link FilteredPlan}) of `k` neighbors at `efSearch` over a
 * graph of degree `m`, when `matched` of its `live` vectors pass the filter.
 */
export function filteredPlan(
  efSearch: number,
  k: number,
  m: number,
  matched: number,
  live: number,
): FilteredPlan {
  if (matched === 0 || live === 0) return { strategy: "scan" };
  const selectivity = Math.min(1, matched / live);
  const widened = Math.ceil(Math.max(efSearch, k) / selectivity);
  if (selectivity < 1 && (widened * 2 * m >= matched || widened > MAX_FILTERED_EF)) {
    return { strategy: "scan" };
  }
  return { strategy: "graph", efSearch: widened };
}
