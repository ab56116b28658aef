/**
 * How a filtered search over an HNSW graph runs. hnswlib skips the labels a filter rejects while
 * it walks the graph, so the walk must consider more candidates to find k that pass: ef_search
 * is widened to `max(ef_search, k) ÷ selectivity` (selectivity: the share of the graph's live
 * labels the filter keeps). When the widened ef_search would reach the number of matching
 * vectors, or pass {@link MAX_FILTERED_EF}, walking the graph costs as much as reading every
 * match, and recall would suffer: the matching vectors are scanned exactly instead.
 */
export type FilteredPlan =
  | { readonly strategy: "graph"; readonly efSearch: number }
  | { readonly strategy: "scan" };

/** The widest ef_search a filtered graph search uses before it scans instead. */
export const MAX_FILTERED_EF = 4096;

export function filteredPlan(
  efSearch: number,
  k: number,
  matched: number,
  live: number,
): FilteredPlan {
  if (matched === 0 || live === 0) return { strategy: "scan" };
  const selectivity = Math.min(1, matched / live);
  const widened = Math.ceil(Math.max(efSearch, k) / selectivity);
  if (selectivity < 1 && (widened >= matched || widened > MAX_FILTERED_EF)) {
    return { strategy: "scan" };
  }
  return { strategy: "graph", efSearch: widened };
}
