import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hnswlib from "hnswlib-node";
import { S3BlobStore } from "../src/adapters/s3-blob-store";
import { exactNeighbors, fillRow } from "../src/domain/hnsw";
import type { GenerationRows } from "../src/domain/label-map";
import { seededRandom } from "../src/domain/seeded-random";
import { percentile } from "../src/domain/trial-metrics";
import { localTasks } from "../src/local/local-tasks";
import { createClients } from "../src/wiring";
import { mnistAll } from "./datasets";
import type { BenchStack } from "./mnist-stack";

/** The config every graph here is built with. */
const CONFIG = { m: 16, ef_construction: 100, ef_search: 32, seed: 42 };
const K = 10;

/**
 * Fresh search (issue #11), through the local stack's services on all 10,000 MNIST digits:
 * - quality: a graph built on 8,000 and caught up with 2,000 more vs one built on all 10,000
 *   (same config), recall@10 at several ef_search on 500 leave-one-out queries (goal: |Δ| ≤ 0.01);
 * - cost: the catch-up task (read the graph from S3, add 2,000, write it back) vs a full rebuild
 *   of the 10,000 the same way (goal: ≤ 0.3×);
 * - search p50 through the local API with 1,000 vectors pending vs none (goal: ≤ 2×).
 */
export async function benchFresh(env: BenchStack) {
  const name = "fresh";
  const { dimension, rows: total, data: all } = mnistAll();
  const first = 8000;
  const idOf = (row: number) => `f${row}`;
  const rowsOf = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, i) => ({
      id: idOf(from + i),
      values: Array.from(all.subarray((from + i) * dimension, (from + i + 1) * dimension)),
    }));
  const upsert = async (index: string, vectors: { id: string; values: number[] }[]) => {
    for (let i = 0; i < vectors.length; i += 500) {
      await env.call("POST", `/vectors/indexes/${index}/vectors`, {
        vectors: vectors.slice(i, i + 500),
      });
    }
  };
  const maintenance = env.services.maintenance;
  /**
   * An index of the first 8,000 digits with an active graph, then 2,000 more caught up. `cold`:
   * the graph is downloaded, as on an instance that did not write it (the activation's file is
   * dropped first); else this instance reads the graph it wrote from local disk.
   */
  const caughtUpIndex = async (index: string, cold: boolean) => {
    // Catch-up only when this bench asks for it.
    await env.call("PUT", `/vectors/indexes/${index}`, {
      dimension,
      metric: "l2",
      maintenance: { catch_up_fraction: 1, catch_up_max_pending: 1_000_000 },
    });
    await upsert(index, rowsOf(0, first));
    await env.call("POST", `/vectors/hnsw/activate/${index}`, { default_config: CONFIG });
    await upsert(index, rowsOf(first, total));
    // Each measured step runs alone: the compactions the writes started finish first.
    await localTasks().drain();
    if (cold) await env.services.graphFiles.clear();
    const started = performance.now();
    const done = await maintenance.catchUp(index);
    if (done.outcome !== "caught_up") throw new Error(`catch-up: ${done.outcome}`);
    return { ms: performance.now() - started, done };
  };
  const cold = await caughtUpIndex(`${name}-cold`, true);
  await env.call("DELETE", `/vectors/indexes/${name}-cold`);
  const warm = await caughtUpIndex(name, false);
  await localTasks().drain();
  const record = await env.services.vectors.getIndex(name);
  const started = performance.now();
  const loaded = await env.services.vectors.load(record);
  const rebuilt = await env.services.builder.rebuild(record, loaded, CONFIG);
  const rebuildMs = performance.now() - started;

  // Quality: the same 500 leave-one-out queries against both graphs.
  const blobs = new S3BlobStore(
    createClients(env.services.settings).s3,
    env.services.settings.bucket,
  );
  const random = seededRandom(11);
  const queryRows = Array.from({ length: 500 }, () => Math.floor(random() * total));
  const queries = {
    data: new Float32Array(queryRows.length * dimension),
    dimension,
    rows: queryRows.length,
    excludeRows: Int32Array.from(queryRows),
  };
  queryRows.forEach((row, i) => {
    queries.data.set(all.subarray(row * dimension, (row + 1) * dimension), i * dimension);
  });
  const truth = exactNeighbors({ data: all, dimension, rows: total }, "l2", queries, K);
  const active = record.active;
  if (!active) throw new Error("no active generation");
  const efs = [16, 32, 64];
  const caughtUpRecall = await recallOf(
    blobs,
    active.graph_key,
    active.rows_key,
    dimension,
    queries,
    truth,
    efs,
    idOf,
  );
  const directRecall = await recallOf(
    blobs,
    rebuilt.keys.graphKey,
    rebuilt.keys.rowsKey,
    dimension,
    queries,
    truth,
    efs,
    idOf,
  );
  await env.call("DELETE", `/vectors/indexes/${name}`);

  console.log(
    `\nfresh search: catch-up vs a direct build, ${total.toLocaleString("en")} MNIST digits (784-d), m=${CONFIG.m} ef_construction=${CONFIG.ef_construction}`,
  );
  console.log(
    `  quality, recall@${K} on 500 leave-one-out queries: built on ${first.toLocaleString("en")} + caught up with ${(total - first).toLocaleString("en")} vs built on all`,
  );
  efs.forEach((ef, i) => {
    const a = caughtUpRecall[i] as number;
    const b = directRecall[i] as number;
    console.log(
      `    ef_search=${ef}: caught up ${a.toFixed(4)}, direct ${b.toFixed(4)} -> Δ ${(a - b).toFixed(4)} (goal |Δ| ≤ 0.01)`,
    );
  });
  console.log(
    `  cost, end to end (graph read, hnswlib, S3 write): full rebuild of ${total.toLocaleString("en")} ${rebuildMs.toFixed(0)} ms (hnswlib ${rebuilt.timeMs.toFixed(0)} ms)`,
  );
  for (const [label, run] of [
    ["cold (graph downloaded)", cold],
    ["warm (graph on local disk)", warm],
  ] as const) {
    console.log(
      `    catch-up of ${(total - first).toLocaleString("en")} onto ${first.toLocaleString("en")}, ${label}: ${run.ms.toFixed(0)} ms (hnswlib ${run.done.time_ms.toFixed(0)} ms) -> ÷ rebuild ${(run.ms / rebuildMs).toFixed(2)} end to end, ${(run.done.time_ms / rebuilt.timeMs).toFixed(2)} in hnswlib (goal ≤ 0.3)`,
    );
  }
  await benchPendingSearch(env, dimension, all);
}

/** recall@K of the graph at `graphKey` (labels mapped through its own label map) per ef_search. */
async function recallOf(
  blobs: S3BlobStore,
  graphKey: string,
  rowsKey: string,
  dimension: number,
  queries: { data: Float32Array; dimension: number; rows: number },
  truth: Int32Array,
  efs: number[],
  idOf: (row: number) => string,
): Promise<number[]> {
  const path = join(tmpdir(), `vectord-bench-${Date.now()}-${Math.random()}.hnsw`);
  try {
    await blobs.getToFile(graphKey, path);
    const rows = JSON.parse(
      Buffer.from((await blobs.get(rowsKey)) as Uint8Array).toString("utf8"),
    ) as GenerationRows;
    const graph = new hnswlib.HierarchicalNSW("l2", dimension);
    graph.readIndexSync(path);
    const point = new Array<number>(dimension);
    return efs.map((ef) => {
      graph.setEf(ef);
      let hits = 0;
      for (let q = 0; q < queries.rows; q++) {
        const want = new Set<string>();
        for (let j = 0; j < K; j++) want.add(idOf(truth[q * K + j] as number));
        const { neighbors } = graph.searchKnn(fillRow(queries, q, point), K + 1);
        // The query itself is in the graph (leave-one-out): skip it, keep K.
        const self = idOf((queries as { excludeRows?: Int32Array }).excludeRows?.[q] ?? -1);
        const found = neighbors.map((l) => rows.ids[l] as string).filter((id) => id !== self);
        for (const id of found.slice(0, K)) if (want.has(id)) hits++;
      }
      return hits / (queries.rows * K);
    });
  } finally {
    await rm(path, { force: true });
  }
}

/** Search p50 through the local API over a caught-up graph, then with 1,000 vectors pending. */
async function benchPendingSearch(env: BenchStack, dimension: number, all: Float32Array) {
  const name = "pending";
  const total = all.length / dimension;
  await env.call("PUT", `/vectors/indexes/${name}`, {
    dimension,
    metric: "l2",
    maintenance: { catch_up_fraction: 1, catch_up_max_pending: 1_000_000 },
  });
  for (let i = 0; i < total; i += 500) {
    const vectors = [];
    for (let r = i; r < Math.min(total, i + 500); r++) {
      vectors.push({
        id: `p${r}`,
        values: Array.from(all.subarray(r * dimension, (r + 1) * dimension)),
      });
    }
    await env.call("POST", `/vectors/indexes/${name}/vectors`, { vectors });
  }
  await env.call("POST", `/vectors/hnsw/activate/${name}`, { default_config: CONFIG });
  const random = seededRandom(5);
  const query = () => {
    const r = Math.floor(random() * total);
    return Array.from(
      all.subarray(r * dimension, (r + 1) * dimension),
      (x) => x + (random() - 0.5) * 0.05,
    );
  };
  const measure = async () => {
    // Background compactions the writes started finish first: this measures searches alone.
    await localTasks().drain();
    const latencies: number[] = [];
    let pending = -1;
    for (let i = 0; i < 20; i++)
      await env.call("POST", `/vectors/indexes/${name}/search`, { vector: query(), k: K });
    for (let i = 0; i < 300; i++) {
      const body = { vector: query(), k: K };
      const t0 = performance.now();
      const res = await env.call("POST", `/vectors/indexes/${name}/search`, body);
      latencies.push(performance.now() - t0);
      pending = res.pending_vectors;
    }
    const sorted = Float64Array.from(latencies).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), pending };
  };
  const none = await measure();
  // 1,000 new vectors (digits with a little noise), not folded into the graph.
  const fresh = Array.from({ length: 1000 }, (_, i) => ({ id: `new${i}`, values: query() }));
  for (let i = 0; i < fresh.length; i += 500) {
    await env.call("POST", `/vectors/indexes/${name}/vectors`, {
      vectors: fresh.slice(i, i + 500),
    });
  }
  const some = await measure();
  await env.call("DELETE", `/vectors/indexes/${name}`);
  console.log(
    `\nsearch through the local API, ${total.toLocaleString("en")} MNIST digits, k=${K}, 300 queries`,
  );
  console.log(
    `  ${none.pending} pending: p50 ${none.p50.toFixed(2)} ms, p99 ${none.p99.toFixed(2)} ms; ${some.pending.toLocaleString("en")} pending: p50 ${some.p50.toFixed(2)} ms, p99 ${some.p99.toFixed(2)} ms`,
  );
  console.log(`  -> p50 with 1,000 pending ÷ none: ${(some.p50 / none.p50).toFixed(2)} (goal ≤ 2)`);
}
