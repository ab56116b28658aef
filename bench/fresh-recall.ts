import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hnswlib from "hnswlib-node";
import type { S3BlobStore } from "../src/adapters/s3-blob-store";
import { downloadGraph } from "../src/app/graph-patch-apply";
import { rowOf } from "../src/domain/hnsw";
import type { GraphRef } from "../src/domain/index-record";
import type { GenerationRows } from "../src/domain/label-map";

/**
 * recall@`k` of the stored graph `ref` (labels mapped through its own label map) per ef_search,
 * on leave-one-out queries (each query's own row, in the graph, is skipped).
 */
export async function recallOf(
  blobs: S3BlobStore,
  ref: GraphRef,
  rowsKey: string,
  dimension: number,
  queries: { data: Float32Array; dimension: number; rows: number },
  truth: Int32Array,
  efs: number[],
  idOf: (row: number) => string,
  k: number,
): Promise<number[]> {
  const path = join(tmpdir(), `vectord-bench-${Date.now()}-${Math.random()}.hnsw`);
  try {
    await downloadGraph(blobs, ref, path);
    const rows = JSON.parse(
      Buffer.from((await blobs.get(rowsKey)) as Uint8Array).toString("utf8"),
    ) as GenerationRows;
    const graph = new hnswlib.HierarchicalNSW("l2", dimension);
    graph.readIndexSync(path);
    return efs.map((ef) => {
      graph.setEf(ef);
      let hits = 0;
      for (let q = 0; q < queries.rows; q++) {
        const want = new Set<string>();
        for (let j = 0; j < k; j++) want.add(idOf(truth[q * k + j] as number));
        const { neighbors } = graph.searchKnn(rowOf(queries, q), k + 1);
        // The query itself is in the graph (leave-one-out): skip it, keep k.
        const self = idOf((queries as { excludeRows?: Int32Array }).excludeRows?.[q] ?? -1);
        const found = neighbors.map((l) => rows.ids[l] as string).filter((id) => id !== self);
        for (const id of found.slice(0, k)) if (want.has(id)) hits++;
      }
      return hits / (queries.rows * k);
    });
  } finally {
    await rm(path, { force: true });
  }
}
