import { exactTopK, inverseNorms, type VectorRows } from "../domain/exact-search";
import type { MetadataPredicate } from "../domain/filter";
import { type FilteredPlan, filteredPlan } from "../domain/filtered-search";
import type { Metric } from "../domain/metric";
import type { LoadedGeneration } from "./graph-cache";
import type { ScannableTail } from "./tail-cache";
import type { SearchHit } from "./vector-results";

/** Queries of one search: as given, in 32-bit floats, and prepared for exact scans. */
export interface SearchQueries {
  /** How many queries. */
  readonly count: number;
  /** Query `i` as the request gave it, as Float32 (what hnswlib's `searchKnn` reads). */
  point(i: number): Float32Array;
  /** Query `i` as Float32, unit length under `cosine` (see `prepareQuery`). */
  prepared(i: number): Float32Array;
}

/** A filter of a search: its compiled predicate and its cache key. */
export interface SearchFilter {
  /** The filter's canonical JSON: what its per-generation view is cached by. */
  readonly key: string;
  /** The compiled filter. */
  readonly predicate: MetadataPredicate;
}

/**
 * How a filtered graph search ran: the vectors the filter keeps, and the plan it used (a graph
 * walk's widened `ef_search`, also as `efSearch`, the name it first had: kept for callers that
 * read it).
 */
export type FilterReport =
  | { readonly matched: number; readonly strategy: "scan" }
  | {
      readonly matched: number;
      readonly strategy: "graph";
      readonly ef_search: number;
      /** @deprecated the same as `ef_search`. */
      readonly efSearch: number;
    };

/** The report of a filtered search that kept `matched` vectors and ran as `plan`. */
function reportOf(matched: number, plan: FilteredPlan): FilterReport {
  return plan.strategy === "scan"
    ? { matched, strategy: "scan" }
    : { matched, strategy: "graph", ef_search: plan.efSearch, efSearch: plan.efSearch };
}

/** What a filter keeps of one generation: a label bitmap, and the matches packed for scans. */
interface FilterView {
  readonly mask: Uint8Array;
  readonly matched: number;
  scan?: { readonly rows: VectorRows; readonly labels: Int32Array };
}

/** Filters whose label bitmaps one loaded generation keeps (least recently used go first)... */
const FILTER_VIEWS_PER_GENERATION = 16;
/** ...and the memory they may take: bitmaps, packed matches and the scan's copies of them. */
const FILTER_VIEW_BYTES = 256 * 1024 * 1024;

/**
 * Searches one loaded generation plus the tail written since its data: the graph's results,
 * minus the labels the tail touched (deleted or replaced since), merged by distance with an
 * exact scan of the tail. A filter applies to both: in the graph through hnswlib's filter, with
 * ef_search widened for the filter's selectivity, or by an exact scan of the matching vectors
 * when the filter is selective (see `filteredPlan`). Bitmaps of touched labels and of each
 * filter's matches are computed once per generation (and tail) and reused.
 */
export class GraphSearch {
  private readonly staleLabels = new WeakMap<
    LoadedGeneration,
    WeakMap<ScannableTail, Uint8Array | null>
  >();
  private readonly filterViews = new WeakMap<LoadedGeneration, Map<string, FilterView>>();

  /**
   * The `k` nearest live vectors to each query, from `generation` at `efSearch` merged with an
   * exact scan of `tail`, and what `filter` did, if any.
   */
  search(
    metric: Metric,
    generation: LoadedGeneration,
    tail: ScannableTail,
    queries: SearchQueries,
    k: number,
    efSearch: number,
    filter?: SearchFilter,
  ): { results: SearchHit[][]; filter?: FilterReport } {
    const { graph, rows } = generation;
    const stale = this.staleOf(generation, tail);
    const view = filter ? this.viewOf(generation, filter) : undefined;
    const live = rows.ids.length - (rows.deleted?.length ?? 0);
    const m = generation.active.config.m;
    const plan = view ? filteredPlan(efSearch, k, m, view.matched, live) : undefined;
    const tailMask = filter ? maskOf(tail.metadata, filter.predicate) : undefined;
    const want = Math.min(graph.getCurrentCount(), k);
    const accept = acceptor(stale, view?.mask);
    const results = Array.from({ length: queries.count }, (_, q) => {
      let hits: SearchHit[];
      if (plan?.strategy === "scan") {
        const prepared = queries.prepared(q);
        hits = this.scan(metric, generation, view as FilterView, stale, prepared, k);
      } else {
        // setEf and searchKnn run back to back with no await between: no search interleaves.
        graph.setEf(Math.max(plan?.efSearch ?? efSearch, want));
        const found =
          want > 0
            ? graph.searchKnn(queries.point(q), want, accept)
            : { neighbors: [], distances: [] };
        hits = found.neighbors.map((label, i) => ({
          id: rows.ids[label] as string,
          distance: found.distances[i] as number,
          metadata: rows.metadata[label] ?? null,
        }));
      }
      if (tail.ids.length > 0) {
        const top = exactTopK(tail.rows, metric, queries.prepared(q), k, -1, tailMask);
        for (const { row, distance } of top) {
          hits.push({
            id: tail.ids[row] as string,
            distance,
            metadata: tail.metadata[row] ?? null,
          });
        }
        hits.sort((a, b) => a.distance - b.distance);
      }
      return hits.slice(0, k);
    });
    return view && plan ? { results, filter: reportOf(view.matched, plan) } : { results };
  }

  /** Exact top k over the generation's vectors that match a filter, leaving stale labels out. */
  private scan(
    metric: Metric,
    generation: LoadedGeneration,
    view: FilterView,
    stale: Uint8Array | null,
    query: Float32Array,
    k: number,
  ): SearchHit[] {
    if (view.matched === 0) return [];
    view.scan ??= packMatches(generation, view.mask, view.matched, query.length);
    const { rows: packed, labels } = view.scan;
    const top = exactTopK(packed, metric, query, k + (stale ? countOf(stale) : 0));
    const hits: SearchHit[] = [];
    for (const { row, distance } of top) {
      const label = labels[row] as number;
      if (stale && stale[label] === 1) continue;
      hits.push({
        id: generation.rows.ids[label] as string,
        distance,
        metadata: generation.rows.metadata[label] ?? null,
      });
      if (hits.length === k) break;
    }
    return hits;
  }

  /** A bitmap of the generation's labels whose ids the tail touched, or `null` if none. */
  private staleOf(generation: LoadedGeneration, tail: ScannableTail): Uint8Array | null {
    if (tail.touched.size === 0) return null;
    let byTail = this.staleLabels.get(generation);
    if (!byTail) {
      byTail = new WeakMap();
      this.staleLabels.set(generation, byTail);
    }
    let stale = byTail.get(tail);
    if (stale === undefined) {
      stale = new Uint8Array(generation.rows.ids.length);
      const labelOf = generation.labelOf();
      for (const id of tail.touched) {
        const label = labelOf.get(id);
        if (label !== undefined) stale[label] = 1;
      }
      byTail.set(tail, stale);
    }
    return stale;
  }

  /** What `filter` keeps of the generation's live labels (cached per generation). */
  private viewOf(generation: LoadedGeneration, filter: SearchFilter): FilterView {
    let views = this.filterViews.get(generation);
    if (!views) {
      views = new Map();
      this.filterViews.set(generation, views);
    }
    let view = views.get(filter.key);
    if (view) {
      views.delete(filter.key); // re-inserted below: most recently used last
    } else {
      const { rows } = generation;
      const mask = maskOf(rows.metadata, filter.predicate, rows.ids.length);
      for (const label of rows.deleted ?? []) mask[label] = 0;
      view = { mask, matched: countOf(mask) };
    }
    views.set(filter.key, view);
    const bytes = () => {
      let total = 0;
      // Packed matches count twice: the SIMD scan keeps its own copy of them (up to 64 MiB).
      for (const v of views.values())
        total += v.mask.length + 2 * (v.scan?.rows.data.byteLength ?? 0);
      return total;
    };
    while (
      views.size > 1 &&
      (views.size > FILTER_VIEWS_PER_GENERATION || bytes() > FILTER_VIEW_BYTES)
    ) {
      views.delete(views.keys().next().value as string);
    }
    return view;
  }
}

/** The label test hnswlib calls while it walks the graph, or none when all labels pass. */
function acceptor(
  stale: Uint8Array | null,
  mask: Uint8Array | undefined,
): ((label: number) => boolean) | undefined {
  if (stale && mask) return (label) => mask[label] === 1 && stale[label] === 0;
  if (stale) return (label) => stale[label] === 0;
  if (mask) return (label) => mask[label] === 1;
  return undefined;
}

/** 1 for each row whose metadata passes `predicate`. */
function maskOf(
  metadata: readonly (Record<string, unknown> | null)[],
  predicate: MetadataPredicate,
  rows = metadata.length,
): Uint8Array {
  const mask = new Uint8Array(rows);
  for (let r = 0; r < rows; r++) mask[r] = predicate(metadata[r] ?? null) ? 1 : 0;
  return mask;
}

function countOf(bits: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bits.length; i++) n += bits[i] as number;
  return n;
}

/** The vectors of the labels in `mask`, read from the graph (hnswlib's `getPoint`), packed. */
function packMatches(
  generation: LoadedGeneration,
  mask: Uint8Array,
  matched: number,
  dimension: number,
): { rows: VectorRows; labels: Int32Array } {
  const labels = new Int32Array(matched);
  let n = 0;
  for (let label = 0; label < mask.length; label++) if (mask[label] === 1) labels[n++] = label;
  const data = new Float32Array(n * dimension);
  for (let i = 0; i < n; i++) {
    data.set(generation.graph.getPoint(labels[i] as number), i * dimension);
  }
  return {
    rows: { data, dimension, rows: n, inverseNorms: inverseNorms(data, dimension, n) },
    labels,
  };
}
