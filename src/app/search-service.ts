import { ValidationError } from "../domain/errors";
import { exactTopK } from "../domain/exact-search";
import { compileFilter, type Filter, filterKey, matchesAll } from "../domain/filter";
import type { HnswConfig } from "../domain/hnsw-config";
import { type ActiveGeneration, type IndexRecord, servableWith } from "../domain/index-record";
import type { LoadedIndex } from "../domain/loaded-index";
import { DEFAULT_SEARCH_K } from "../domain/metric";
import { packVector } from "../domain/vector-batch";
import { prepareQuery } from "../domain/vector-math";
import { logger } from "../logger";
import { recordHeldGeneration, recordSearch } from "../telemetry";
import type { GraphCache, LoadedGeneration } from "./graph-cache";
import {
  type FilterReport,
  GraphSearch,
  type SearchFilter,
  type SearchQueries,
} from "./graph-search";
import type { Consistency, IndexStates } from "./index-states";
import type { ScannableTail, TailCache } from "./tail-cache";
import type { SearchHit } from "./vector-results";
import type { VectorStore } from "./vector-store";

/** A generation's graph could not be loaded (its cause attached): search serves exactly. */
class GraphLoadError extends Error {
  constructor(cause: unknown) {
    super("could not load the HNSW generation", { cause });
    this.name = "GraphLoadError";
  }
}

/** Generations tried before a search gives up (each found unservable by a fresher record). */
const SERVABLE_ATTEMPTS = 3;

/** Most queries one batch search may hold. */
export const MAX_BATCH_QUERIES = 100;

/** A search of one index: one query or a batch, with its options. */
export interface SearchRequest {
  /** One or more query vectors (1..{@link MAX_BATCH_QUERIES}), each of the index's dimension. */
  readonly queries: readonly (readonly number[])[];
  /** Neighbors per query (default {@link DEFAULT_SEARCH_K}). */
  readonly k?: number | undefined;
  /** Overrides the active config's ef_search for this request. */
  readonly efSearch?: number | undefined;
  /** Exact search even when a graph is active. */
  readonly exact?: boolean | undefined;
  /** Only vectors whose metadata match (see `filter.ts`). */
  readonly filter?: Filter | undefined;
  /** How fresh the index view must be (default `strong`). */
  readonly consistency?: Consistency | undefined;
}

/** What every answer says: the mode and the data it answered from; one hit list per query. */
interface Answered {
  /** The index's data_version this answer reflects. */
  readonly data_version: number;
  readonly results: SearchHit[][];
}

/**
 * A search's answer: exact (no active graph, or asked for), or from the active HNSW generation
 * merged with the vectors it does not hold yet.
 */
export type SearchResponse =
  | ({ readonly mode: "exact" } & Answered)
  | ({
      readonly mode: "hnsw";
      readonly generation: number;
      readonly config: HnswConfig;
      /** Live vectors written since the graph's data, not in it yet (searched exactly). */
      readonly pending_vectors: number;
      /** With a filter: the graph's vectors it keeps, and how the graph was searched. */
      readonly filter?: FilterReport;
    } & Answered);

/**
 * Search: over the index's active HNSW generation when there is one, else exact. A `strong`
 * search reflects every write that returned before it (read-your-writes): it answers with the
 * graph's results minus the labels whose ids were deleted or replaced since the graph's data
 * version, merged by distance with an exact scan of the vectors written since (the tail), and
 * metadata is always the current metadata. An `eventual` search may answer from catalog state
 * up to the eventual window old (see {@link IndexStates}). A batch of queries shares one catalog
 * read, one generation and one tail. A warm instance keeps one loaded generation per index,
 * swapped when the catalog points at a new one (while a large one loads, the held one serves with
 * the tail since its own data; see {@link GraphCache}); each search holds one generation from
 * start to end, so none mixes two.
 */
export class SearchService {
  private readonly graphSearch = new GraphSearch();
  /** Row masks of filters over loaded indexes (exact mode), per loaded version. */
  private readonly exactMasks = new WeakMap<LoadedIndex, Map<string, Uint8Array>>();

  constructor(
    private readonly deps: {
      readonly vectors: VectorStore;
      readonly states: IndexStates;
      readonly graphs: GraphCache;
      readonly tails: TailCache;
    },
  ) {}

  /**
   * Searches index `indexName`: exact, or through its active graph merged with the vectors it does
   * not hold yet.
   */
  async search(indexName: string, request: SearchRequest): Promise<SearchResponse> {
    const started = performance.now();
    const response = await this.answer(indexName, request);
    const pending = response.mode === "hnsw" ? response.pending_vectors : undefined;
    recordSearch(response.mode, performance.now() - started, pending);
    return response;
  }

  private async answer(indexName: string, request: SearchRequest): Promise<SearchResponse> {
    const record = await this.deps.states.read(indexName, request.consistency);
    const queries = this.queriesOf(record, request.queries);
    const k = request.k ?? DEFAULT_SEARCH_K;
    const filter =
      request.filter && !matchesAll(request.filter)
        ? { key: filterKey(request.filter), predicate: compileFilter(request.filter) }
        : undefined;
    const active = record.active;
    if (request.exact || !active) return this.exact(record, queries, k, filter);
    let served: { generation: LoadedGeneration; tail: ScannableTail };
    try {
      served = await this.generationAndTail(record, active);
    } catch (err) {
      if (!(err instanceof GraphLoadError)) throw err;
      // The graph could not be loaded: keep serving, exactly, and say so in the log.
      logger.error("could not load the active HNSW generation; serving exact search", {
        index: indexName,
        generation: active.generation,
        error: err.cause as Error,
      });
      return this.exact(record, queries, k, filter);
    }
    const { generation, tail } = served;
    if (generation.active.generation < active.generation) recordHeldGeneration();
    const { config } = generation.active;
    const ef = request.efSearch ?? config.ef_search;
    const found = this.graphSearch.search(record.metric, generation, tail, queries, k, ef, filter);
    return {
      mode: "hnsw",
      generation: generation.active.generation,
      config,
      data_version: record.dataVersion,
      pending_vectors: tail.ids.length,
      ...(found.filter ? { filter: found.filter } : {}),
      results: found.results,
    };
  }

  /**
   * The generation to serve `record` from (the active one, or while a large one loads the one
   * this instance holds) and the tail written since its data. Should the segments have moved on
   * while they were read (a compaction), the tail comes from a fresher record, and the
   * generation serves only while that record keeps every deletion after its data (see
   * `servableWith`); else the fresher record's active generation is waited for.
   */
  private async generationAndTail(
    record: IndexRecord,
    active: ActiveGeneration,
  ): Promise<{ generation: LoadedGeneration; tail: ScannableTail }> {
    let current = { record, active };
    for (let attempt = 1; ; attempt++) {
      let generation: LoadedGeneration;
      try {
        generation = await this.deps.graphs.get(current.record, current.active, {
          wait: attempt > 1,
        });
      } catch (err) {
        throw new GraphLoadError(err);
      }
      const since = generation.active;
      const read = await this.deps.vectors.readFresh(current.record, async (r) => ({
        r,
        tail: servableWith(since, r.active)
          ? await this.deps.tails.get(r, since.data_version)
          : null,
      }));
      if (read.tail) return { generation, tail: read.tail };
      if (!read.r.active || attempt >= SERVABLE_ATTEMPTS) {
        throw new Error(
          `index "${record.name}": no loaded generation is servable after ${attempt} attempts (generation ${since.generation}, built from data_version ${since.data_version})`,
        );
      }
      current = { record: read.r, active: read.r.active };
    }
  }

  /** Checks every query against the index (the first bad one names itself). */
  private queriesOf(record: IndexRecord, vectors: readonly (readonly number[])[]): SearchQueries {
    if (vectors.length === 0 || vectors.length > MAX_BATCH_QUERIES) {
      throw new ValidationError(
        `queries: got ${vectors.length} queries, expected 1 to ${MAX_BATCH_QUERIES}`,
      );
    }
    const single = vectors.length === 1;
    vectors.forEach((vector, i) => {
      packVector(vector, record.dimension, record.metric, single ? "vector" : `queries[${i}]`);
    });
    // Each query is converted to Float32 once, when a search first needs it.
    const points: Float32Array[] = [];
    const prepared: Float32Array[] = [];
    const point = (i: number) => {
      points[i] ??= Float32Array.from(vectors[i] as readonly number[]);
      return points[i];
    };
    return {
      count: vectors.length,
      point,
      prepared: (i) => {
        prepared[i] ??= prepareQuery(record.metric, point(i));
        return prepared[i];
      },
    };
  }

  private async exact(
    record: IndexRecord,
    queries: SearchQueries,
    k: number,
    filter: SearchFilter | undefined,
  ): Promise<SearchResponse> {
    const loaded = await this.deps.vectors.load(record);
    const mask = filter ? this.maskOf(loaded, filter) : undefined;
    const results = Array.from({ length: queries.count }, (_, q) =>
      exactTopK(loaded, record.metric, queries.prepared(q), k, -1, mask).map(
        ({ row, distance }) => ({
          id: loaded.ids[row] as string,
          distance,
          metadata: loaded.metadata[row] ?? null,
        }),
      ),
    );
    return { mode: "exact", data_version: record.dataVersion, results };
  }

  /** The rows of a loaded index that a filter keeps (one filter cached per loaded version). */
  private maskOf(loaded: LoadedIndex, filter: SearchFilter): Uint8Array {
    let masks = this.exactMasks.get(loaded);
    if (!masks) {
      masks = new Map();
      this.exactMasks.set(loaded, masks);
    }
    let mask = masks.get(filter.key);
    if (!mask) {
      mask = new Uint8Array(loaded.rows);
      for (let r = 0; r < loaded.rows; r++) {
        mask[r] = filter.predicate(loaded.metadata[r] ?? null) ? 1 : 0;
      }
      if (masks.size >= 16) masks.delete(masks.keys().next().value as string);
      masks.set(filter.key, mask);
    }
    return mask;
  }
}
