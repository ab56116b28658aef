import { randomUUID } from "node:crypto";
import { rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { graphMemoryBytes } from "../domain/hnsw-config";
import { type ActiveGeneration, type IndexRecord, servableWith } from "../domain/index-record";
import { type GenerationRows, liveLabels } from "../domain/label-map";
import { logger } from "../logger";
import { ByteBudget } from "./byte-budget";
import { downloadGraph } from "./graph-patch-apply";
import type { BlobStore } from "./ports";

/** The part of an hnswlib graph that serving needs. */
export interface ServingGraph {
  /** Sets the search's candidate list size. */
  setEf(ef: number): void;
  /** The `k` nearest labels to `query` that `filter` keeps, with their distances. */
  searchKnn(
    query: Float32Array,
    k: number,
    filter?: (label: number) => boolean,
  ): { distances: number[]; neighbors: number[] };
  /** Elements in the graph, deleted ones included. */
  getCurrentCount(): number;
  /** The stored vector of a label (unit length under `cosine`). */
  getPoint(label: number): number[];
}

/** A loaded generation: one graph and its label map, never mutated. */
export interface LoadedGeneration {
  /** The generation's pointer, as the catalog named it. */
  readonly active: ActiveGeneration;
  /** Its graph, in memory. */
  readonly graph: ServingGraph;
  /** Its label map. */
  readonly rows: GenerationRows;
  /** The live label of each id (its newest; deleted labels left out). Built on first use. */
  labelOf(): ReadonlyMap<string, number>;
}

/** Graphs at least this large (estimated) load in the background by default: 16 MiB (on Lambda,
 * about a fifth of a second of download). */
export const DEFAULT_BACKGROUND_LOAD_BYTES = 16 * 1024 * 1024;

/**
 * Bytes of an index's graph in memory (see `graphMemoryBytes`). A generation recorded before its
 * label count was kept is estimated from the live count.
 */
function graphBytes(record: Pick<IndexRecord, "dimension" | "count">, active: ActiveGeneration) {
  return graphMemoryBytes(active.labels ?? record.count, record.dimension, active.config.m);
}

/** How a {@link GraphCache} swaps generations, and how much it keeps. */
export interface GraphCacheOptions {
  /**
   * A new generation whose graph is at least this many bytes (see {@link graphBytes}) loads in
   * the background while searches keep being served from the generation the instance holds,
   * when that one is still servable (see `servableWith`); a smaller one is waited for.
   * Default {@link DEFAULT_BACKGROUND_LOAD_BYTES}; 0 always swaps in the background.
   */
  readonly backgroundLoadBytes?: number;
  /**
   * The budget loaded graphs share with the instance's other caches (counted as the graph
   * files' and label maps' sizes, about what they hold): past it, the indexes used least
   * recently give theirs up, never the one just loaded. Default: a budget of its own.
   */
  readonly budget?: ByteBudget;
}

/** The budget's key prefix of loaded graphs. */
const GRAPHS = "graph/";

/** A loaded generation and the bytes it holds. */
interface Loaded {
  readonly generation: LoadedGeneration;
  readonly bytes: number;
}

/** One index's generations on this instance: the newest loaded, and the one loading. */
interface IndexGraphs {
  loaded?: Loaded;
  loading?: { readonly generation: number; readonly promise: Promise<Loaded> };
}

/**
 * A warm instance's loaded generations per index. A new generation is loaded once (concurrent
 * searches share the load) and swapped in when complete; each search holds one generation from
 * start to end. While a large graph loads, searches keep being served from the generation the
 * instance holds, so a flip never stalls them for a download (its tail, the words written since
 * its data, keeps them exact about every write); a small graph, or an instance that holds none
 * that is servable, waits for the load.
 */
export class GraphCache {
  private readonly indexes = new Map<string, IndexGraphs>();
  private readonly backgroundLoadBytes: number;
  private readonly budget: ByteBudget;

  constructor(
    private readonly blobs: BlobStore,
    options: GraphCacheOptions = {},
  ) {
    this.backgroundLoadBytes = options.backgroundLoadBytes ?? DEFAULT_BACKGROUND_LOAD_BYTES;
    this.budget = options.budget ?? new ByteBudget();
  }

  /** Bytes of the graphs loaded and kept (for tests and metrics). */
  keptBytes(): number {
    return this.budget.bytes(GRAPHS);
  }

  /**
   * A generation to serve `record` from: `active` once loaded; until then, for a large graph,
   * the newest one this instance holds when it is still servable. With `wait`, always `active`
   * (or a newer one this instance holds).
   */
  async get(
    record: IndexRecord,
    active: ActiveGeneration,
    { wait = false }: { wait?: boolean } = {},
  ): Promise<LoadedGeneration> {
    let graphs = this.indexes.get(record.uid);
    if (!graphs) {
      graphs = {};
      this.indexes.set(record.uid, graphs);
    }
    this.budget.use(GRAPHS + record.uid);
    const held = graphs.loaded?.generation;
    // Newest wins on an instance: a newer generation held serves a request read before it.
    if (held && held.active.generation >= active.generation) return held;
    const loading = this.loadOnce(graphs, record, active);
    const big = graphBytes(record, active) >= this.backgroundLoadBytes;
    if (!wait && held && big && servableWith(held.active, active)) return held;
    return (await loading).generation;
  }

  /** The load of `active` into `graphs`, started once; it becomes the loaded one when done. */
  private loadOnce(
    graphs: IndexGraphs,
    record: IndexRecord,
    active: ActiveGeneration,
  ): Promise<Loaded> {
    const current = graphs.loading;
    if (current && current.generation >= active.generation) return current.promise;
    const promise = this.load(record, active);
    const loading = { generation: active.generation, promise };
    graphs.loading = loading;
    promise.then(
      (loaded) => {
        const newer =
          loaded.generation.active.generation > (graphs.loaded?.generation.active.generation ?? 0);
        if (newer) graphs.loaded = loaded;
        if (graphs.loading === loading) graphs.loading = undefined;
        // An index mid-swap keeps its graph; it is given up once its load has ended.
        if (newer && this.indexes.get(record.uid) === graphs) {
          this.budget.hold(GRAPHS + record.uid, loaded.bytes, () => {
            if (graphs.loading) return false;
            this.indexes.delete(record.uid);
            return true;
          });
        }
      },
      (err: Error) => {
        // A failed load is tried again by the next search (meanwhile the held one serves).
        if (graphs.loading === loading) graphs.loading = undefined;
        logger.warn("could not load an HNSW generation", {
          index: record.name,
          generation: active.generation,
          error: err,
        });
      },
    );
    return promise;
  }

  private async load(record: IndexRecord, active: ActiveGeneration): Promise<Loaded> {
    // hnswlib reads graphs from files only: the graph streams to /tmp (made from its base and
    // patch, if stored so) and is read from there.
    const path = join(tmpdir(), `vectord-serve-${randomUUID()}.hnsw`);
    try {
      const [hasGraph, rowsBytes] = await Promise.all([
        downloadGraph(this.blobs, active, path),
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
      const { size } = await stat(path);
      const rows = JSON.parse(Buffer.from(rowsBytes).toString("utf8")) as GenerationRows;
      let labels: Map<string, number> | undefined;
      const generation = {
        active,
        graph,
        rows,
        labelOf() {
          labels ??= liveLabels(rows);
          return labels;
        },
      };
      return { generation, bytes: size + rowsBytes.byteLength };
    } finally {
      await rm(path, { force: true });
    }
  }
}
