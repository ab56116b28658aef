import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { HnswConfig } from "../domain/hnsw-config";
import type { ActiveGeneration, IndexRecord } from "../domain/index-record";
import type { GenerationRows } from "../domain/label-map";
import { DEFAULT_SEARCH_K } from "../domain/metric";
import { packVector } from "../domain/vector-batch";
import { logger } from "../logger";
import { recordSearch } from "../telemetry";
import type { BlobStore } from "./ports";
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
      /** The graph predates the index's current data_version. */
      readonly stale: boolean;
      readonly results: SearchHit[];
    };

/** A loaded generation: one graph and its labels' ids and metadata, never mutated. */
interface LoadedGeneration {
  readonly active: ActiveGeneration;
  readonly graph: {
    setEf(ef: number): void;
    searchKnn(query: number[], k: number): { distances: number[]; neighbors: number[] };
    getCurrentCount(): number;
  };
  readonly rows: GenerationRows;
}

/**
 * Search: over the index's active HNSW generation when there is one, else exact. A warm instance
 * keeps one loaded generation per index and checks the catalog pointer on every search (the
 * catalog read search makes anyway); a new generation is loaded once, shared by concurrent
 * searches, and swapped in. Each search takes one generation at its start, so none mixes two.
 */
export class SearchService {
  private readonly generations = new Map<
    string,
    { generation: number; loading: Promise<LoadedGeneration> }
  >();

  constructor(
    private readonly vectors: VectorStore,
    private readonly blobs: BlobStore,
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
    if (request.exact || !record.active) {
      const { results } = await this.vectors.search(
        indexName,
        { vector: request.vector, k },
        record,
      );
      return { mode: "exact", results };
    }
    packVector(request.vector, record.dimension, record.metric, "vector");
    let generation: LoadedGeneration;
    try {
      generation = await this.generation(record, record.active);
    } catch (err) {
      // The graph could not be loaded: keep serving, exactly, and say so in the log.
      logger.error("could not load the active HNSW generation; serving exact search", {
        index: indexName,
        generation: record.active.generation,
        error: err as Error,
      });
      const { results } = await this.vectors.search(
        indexName,
        { vector: request.vector, k },
        record,
      );
      return { mode: "exact", results };
    }
    const { active, graph, rows } = generation;
    const stale = active.data_version !== record.dataVersion;
    // A stale graph may hold deleted vectors: ask for more and drop those no longer live.
    const extra = stale ? Math.min(k, 100) : 0;
    const want = Math.min(graph.getCurrentCount(), k + extra);
    const live = stale ? (await this.vectors.load(record)).rowOf : undefined;
    const ef = request.efSearch ?? active.config.ef_search;
    // setEf and searchKnn run back to back with no await between: no other search interleaves.
    graph.setEf(Math.max(ef, want));
    const { neighbors, distances } = graph.searchKnn(Array.from(request.vector), want);
    const results: SearchHit[] = [];
    for (let i = 0; i < neighbors.length && results.length < k; i++) {
      const label = neighbors[i] as number;
      const id = rows.ids[label] as string;
      if (live && !live.has(id)) continue;
      results.push({
        id,
        distance: distances[i] as number,
        metadata: rows.metadata[label] ?? null,
      });
    }
    return { mode: "hnsw", generation: active.generation, config: active.config, stale, results };
  }

  private generation(record: IndexRecord, active: ActiveGeneration): Promise<LoadedGeneration> {
    const cached = this.generations.get(record.uid);
    if (cached && cached.generation === active.generation) return cached.loading;
    const loading = this.load(record, active);
    this.generations.set(record.uid, { generation: active.generation, loading });
    loading.catch(() => {
      if (this.generations.get(record.uid)?.loading === loading)
        this.generations.delete(record.uid);
    });
    return loading;
  }

  private async load(record: IndexRecord, active: ActiveGeneration): Promise<LoadedGeneration> {
    // hnswlib reads graphs from files only: the graph streams to /tmp and is read from there.
    const path = join(tmpdir(), `vectord-serve-${randomUUID()}.hnsw`);
    try {
      const [hasGraph, rowsBytes] = await Promise.all([
        this.blobs.getToFile(active.graph_key, path),
        this.blobs.get(active.rows_key),
      ]);
      if (!hasGraph || !rowsBytes) {
        throw new Error(
          `generation ${active.generation} of "${record.name}" is missing ${hasGraph ? active.rows_key : active.graph_key}`,
        );
      }
      // Loaded lazily, so functions that never search by graph never load the native addon.
      const { default: hnswlib } = await import("hnswlib-node");
      const graph = new hnswlib.HierarchicalNSW(record.metric, record.dimension);
      await graph.readIndex(path);
      const rows = JSON.parse(Buffer.from(rowsBytes).toString("utf8")) as GenerationRows;
      return { active, graph, rows };
    } finally {
      await rm(path, { force: true });
    }
  }
}
