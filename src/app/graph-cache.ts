import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ActiveGeneration, IndexRecord } from "../domain/index-record";
import { type GenerationRows, liveLabels } from "../domain/label-map";
import { downloadGraph } from "./graph-patch-apply";
import type { BlobStore } from "./ports";

/** The part of an hnswlib graph that serving needs. */
export interface ServingGraph {
  setEf(ef: number): void;
  searchKnn(
    query: number[],
    k: number,
    filter?: (label: number) => boolean,
  ): { distances: number[]; neighbors: number[] };
  getCurrentCount(): number;
  /** The stored vector of a label (unit length under `cosine`). */
  getPoint(label: number): number[];
}

/** A loaded generation: one graph and its label map, never mutated. */
export interface LoadedGeneration {
  readonly active: ActiveGeneration;
  readonly graph: ServingGraph;
  readonly rows: GenerationRows;
  /** The live label of each id (its newest; deleted labels left out). Built on first use. */
  labelOf(): ReadonlyMap<string, number>;
}

/**
 * A warm instance's loaded generation per index: a new generation is loaded once (concurrent
 * searches share the load) and swapped in; each search holds one generation from start to end.
 */
export class GraphCache {
  private readonly generations = new Map<
    string,
    { generation: number; loading: Promise<LoadedGeneration> }
  >();

  constructor(private readonly blobs: BlobStore) {}

  get(record: IndexRecord, active: ActiveGeneration): Promise<LoadedGeneration> {
    const cached = this.generations.get(record.uid);
    if (cached && cached.generation === active.generation) return cached.loading;
    const loading = this.load(record, active);
    this.generations.set(record.uid, { generation: active.generation, loading });
    loading.catch(() => {
      if (this.generations.get(record.uid)?.loading === loading) {
        this.generations.delete(record.uid);
      }
    });
    return loading;
  }

  private async load(record: IndexRecord, active: ActiveGeneration): Promise<LoadedGeneration> {
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
      const rows = JSON.parse(Buffer.from(rowsBytes).toString("utf8")) as GenerationRows;
      let labels: Map<string, number> | undefined;
      return {
        active,
        graph,
        rows,
        labelOf() {
          labels ??= liveLabels(rows);
          return labels;
        },
      };
    } finally {
      await rm(path, { force: true });
    }
  }
}
