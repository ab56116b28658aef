import { exactTopK } from "../domain/exact-search";
import type { HnswConfig } from "../domain/hnsw-config";
import type { IndexRecord } from "../domain/index-record";
import { DEFAULT_SEARCH_K } from "../domain/metric";
import { packVector } from "../domain/vector-batch";
import { prepareQuery } from "../domain/vector-math";
import { logger } from "../logger";
import { recordSearch } from "../telemetry";
import type { GraphCache, LoadedGeneration } from "./graph-cache";
import type { ScannableTail, TailCache } from "./tail-cache";
import type { SearchHit, VectorStore } from "./vector-store";

export interface SearchRequest {
  readonly vector: readonly number[];
  readonly k?: number | undefined;
  /** Overrides the active config's ef_search for this request. */
  readonly efSearch?: number | undefined;
  /** Exact search even when a graph is active. */
  readonly exact?: boolean | undefined;
}

export type SearchResponse =
  | { readonly mode: "exact"; readonly results: SearchHit[] }
  | {
      readonly mode: "hnsw";
      readonly generation: number;
      readonly config: HnswConfig;
      /** Live vectors written since the graph's data, not in it yet (searched exactly). */
      readonly pending_vectors: number;
      readonly results: SearchHit[];
    };

/**
 * Search: over the index's active HNSW generation when there is one, else exact. Every search
 * reflects every write that returned before it (read-your-writes): it reads the catalog, and
 * answers with the graph's results minus the labels whose ids were deleted or replaced since the
 * graph's data version, merged by distance with an exact scan of the vectors written since (the
 * tail). Metadata is always the current metadata. A warm instance keeps one loaded generation per
 * index, swapped when the catalog points at a new one; each search holds one generation from
 * start to end, so none mixes two.
 */
export class SearchService {
  /** Labels that no longer tell the truth, per loaded generation and tail. */
  private readonly staleLabels = new WeakMap<
    LoadedGeneration,
    WeakMap<ScannableTail, Uint8Array>
  >();

  constructor(
    private readonly vectors: VectorStore,
    private readonly graphs: GraphCache,
    private readonly tails: TailCache,
  ) {}

  async search(indexName: string, request: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    const response = await this.answer(indexName, request);
    recordSearch(response.mode, performance.now() - started);
    return response;
  }

  private async answer(indexName: string, request: SearchRequest): Promise<SearchResponse> {
    const record = await this.vectors.getIndex(indexName);
    const k = request.k ?? DEFAULT_SEARCH_K;
    const active = record.active;
    if (request.exact || !active) return this.exact(record, request.vector, k);
    packVector(request.vector, record.dimension, record.metric, "vector");
    let generation: LoadedGeneration;
    try {
      generation = await this.graphs.get(record, active);
    } catch (err) {
      // The graph could not be loaded: keep serving, exactly, and say so in the log.
      logger.error("could not load the active HNSW generation; serving exact search", {
        index: indexName,
        generation: active.generation,
        error: err as Error,
      });
      return this.exact(record, request.vector, k);
    }
    const tail = await this.vectors.readFresh(record, (r) =>
      this.tails.get(r, active.data_version),
    );
    const ef = request.efSearch ?? active.config.ef_search;
    const results = this.searchGraphAndTail(record, generation, tail, request.vector, k, ef);
    return {
      mode: "hnsw",
      generation: active.generation,
      config: active.config,
      pending_vectors: tail.ids.length,
      results,
    };
  }

  private async exact(
    record: IndexRecord,
    vector: readonly number[],
    k: number,
  ): Promise<SearchResponse> {
    const { results } = await this.vectors.search(record.name, { vector, k }, record);
    return { mode: "exact", results };
  }

  /** The graph's top k (without stale labels) merged with the tail's exact top k. */
  private searchGraphAndTail(
    record: IndexRecord,
    generation: LoadedGeneration,
    tail: ScannableTail,
    vector: readonly number[],
    k: number,
    ef: number,
  ): SearchHit[] {
    const { graph, rows } = generation;
    const stale = this.staleOf(generation, tail);
    const want = Math.min(graph.getCurrentCount(), k);
    const filter = stale ? (label: number) => stale[label] === 0 : undefined;
    // setEf and searchKnn run back to back with no await between: no other search interleaves.
    graph.setEf(Math.max(ef, want));
    const { neighbors, distances } =
      want > 0
        ? graph.searchKnn(Array.from(vector), want, filter)
        : { neighbors: [], distances: [] };
    const hits: SearchHit[] = neighbors.map((label, i) => ({
      id: rows.ids[label] as string,
      distance: distances[i] as number,
      metadata: rows.metadata[label] ?? null,
    }));
    if (tail.ids.length > 0) {
      const query = prepareQuery(record.metric, vector);
      for (const { row, distance } of exactTopK(tail.rows, record.metric, query, k)) {
        hits.push({
          id: tail.ids[row] as string,
          distance,
          metadata: tail.metadata[row] ?? null,
        });
      }
      hits.sort((a, b) => a.distance - b.distance);
    }
    return hits.slice(0, k);
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
    if (!stale) {
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
}
