import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { S3BlobStore } from "../src/adapters/s3-blob-store";
import { downloadGraph } from "../src/app/graph-patch-apply";
import { exactNeighbors } from "../src/domain/hnsw";
import type { HnswConfig } from "../src/domain/hnsw-config";
import type { GraphRef } from "../src/domain/index-record";
import { seededRandom } from "../src/domain/seeded-random";
import type { Services } from "../src/wiring";
import { recallOf } from "./fresh-recall";
import { median } from "./stats";

/** The ef_search values recall is compared at. */
const EFS = [16, 32, 64] as const;
/** Leave-one-out queries, drawn with a fixed seed from all rows. */
const QUERIES = 500;
/** Times each graph is loaded to a file (the median is reported). */
const LOADS = 5;

/** The dataset and naming the fresh bench works on. */
export interface FreshData {
  readonly all: Float32Array;
  readonly dimension: number;
  /** Rows in `all`. */
  readonly total: number;
  /** The rows the active graph was built on (the rest were written after it). */
  readonly first: number;
  /** The vector id of row `row`. */
  readonly idOf: (row: number) => string;
}

/** What `measureQuality` found: recall per ef_search on either graph, and what loading each costs. */
export interface Quality {
  readonly efs: readonly number[];
  readonly caughtUp: readonly number[];
  readonly direct: readonly number[];
  /** Milliseconds to download each graph to a file and make it whole, one entry per load. */
  readonly loads: { readonly patched: readonly number[]; readonly whole: readonly number[] };
  /** How the caught-up graph is stored ("whole", or a patch over the graph it caught up). */
  readonly storedAs: string;
  readonly rebuiltBytes: number;
}

/**
 * The fresh bench's quality: the catch-up task itself catches index `name` up (its pending rows
 * written after the active graph), and the result is compared with a graph built directly on all
 * rows with the same `config` (the one the active graph was built with): recall@`k` at each of
 * `EFS` on `QUERIES` leave-one-out queries, both graphs mapped through their own label maps; then
 * what a search instance pays to load each.
 * Throws when the catch-up does not catch up.
 */
export async function measureQuality(
  services: Services,
  blobs: S3BlobStore,
  name: string,
  data: FreshData,
  config: HnswConfig,
  k: number,
): Promise<Quality> {
  const { builder, maintenance, vectors } = services;
  const { all, dimension, total, idOf } = data;
  const done = await maintenance.catchUp(name);
  if (done.outcome !== "caught_up") throw new Error(`catch-up: ${done.outcome}`);
  const record = await vectors.getIndex(name);
  if (!record.active) throw new Error("no active generation after the catch-up");
  const rebuilt = await builder.rebuild(record, await vectors.load(record), config);

  // The same leave-one-out queries against both graphs.
  const random = seededRandom(11);
  const queryRows = Array.from({ length: QUERIES }, () => Math.floor(random() * total));
  const queries = {
    data: new Float32Array(queryRows.length * dimension),
    dimension,
    rows: queryRows.length,
    excludeRows: Int32Array.from(queryRows),
  };
  queryRows.forEach((row, i) => {
    queries.data.set(all.subarray(row * dimension, (row + 1) * dimension), i * dimension);
  });
  const truth = exactNeighbors({ data: all, dimension, rows: total }, "l2", queries, k);
  const efs = [...EFS];
  const recall = (ref: GraphRef, rowsKey: string) =>
    recallOf(blobs, ref, rowsKey, dimension, queries, truth, efs, idOf, k);
  const wholeRef = { graph_key: rebuilt.keys.graphKey };
  const caughtUp = await recall(record.active, record.active.rows_key);
  const direct = await recall(wholeRef, rebuilt.keys.rowsKey);

  // The patched graph is made whole as its base and patch arrive; the rebuilt one is one file.
  const loads = { patched: [] as number[], whole: [] as number[] };
  const loadPath = join(tmpdir(), `vectord-bench-load-${Date.now()}.hnsw`);
  try {
    for (let i = 0; i < LOADS; i++) {
      for (const [way, ref] of [
        ["patched", record.active],
        ["whole", wholeRef],
      ] as const) {
        const started = performance.now();
        if (!(await downloadGraph(blobs, ref, loadPath))) throw new Error(`${way} graph missing`);
        loads[way].push(performance.now() - started);
      }
    }
  } finally {
    await rm(loadPath, { force: true });
  }
  const bytes = async (key: string) => ((await blobs.size(key)) ?? 0).toLocaleString("en");
  const storedAs = record.active.graph_base
    ? `a patch of ${await bytes(record.active.graph_key)} bytes over the ${await bytes(record.active.graph_base.key)}-byte graph it caught up`
    : "whole";
  const rebuiltBytes = (await blobs.size(rebuilt.keys.graphKey)) ?? 0;
  return { efs, caughtUp, direct, loads, storedAs, rebuiltBytes };
}

/** Prints the quality section's recall lines (goal: |Δ| ≤ 0.01 at each ef_search). */
export function printRecall(quality: Quality, data: FreshData, k: number): void {
  const { first, total } = data;
  console.log(
    `  quality, recall@${k} on ${QUERIES} leave-one-out queries: built on ${first.toLocaleString("en")} + caught up with ${(total - first).toLocaleString("en")} vs built on all`,
  );
  quality.efs.forEach((ef, i) => {
    const a = quality.caughtUp[i] as number;
    const b = quality.direct[i] as number;
    console.log(
      `    ef_search=${ef}: caught up ${a.toFixed(4)}, direct ${b.toFixed(4)} -> Δ ${(a - b).toFixed(4)} (goal |Δ| ≤ 0.01)`,
    );
  });
}

/** Prints how the caught-up graph is stored and what loading it costs beside the rebuilt one. */
export function printStorage(quality: Quality): void {
  const { loads, storedAs, rebuiltBytes } = quality;
  console.log(
    `  the caught-up graph is stored as ${storedAs}; loading it to a file (median of ${LOADS}): ${median(loads.patched).toFixed(0)} ms, vs ${median(loads.whole).toFixed(0)} ms for the ${rebuiltBytes.toLocaleString("en")}-byte rebuilt graph`,
  );
}
