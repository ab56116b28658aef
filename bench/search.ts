import { fork } from "node:child_process";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hnswlib from "hnswlib-node";
import { S3BlobStore } from "../src/adapters/s3-blob-store";
import { downloadGraph } from "../src/app/graph-patch-apply";
import { createClients } from "../src/clients";
import { exactTopK } from "../src/domain/exact-search";
import { percentile } from "../src/domain/trial-metrics";
import { mnistAll } from "./datasets";
import { jsonClient } from "./json-client";
import type { BenchStack } from "./mnist-stack";

const CONFIG = { m: 16, ef_construction: 100, ef_search: 30, seed: 42 };
const K = 10;
const SIDE = 28;

/**
 * Search at the speed of the graph (issue #12), on all 10,000 MNIST digits through the local
 * stack's HTTP API (ef_search=30): raw `searchKnn` on the same graph in the same run is the
 * baseline. Queries are digits shifted one pixel right (new images near the data). Reports
 * single-search p50 at each consistency level, throughput with 8 concurrent clients (in a child
 * process), a batch of 100 against single searches, and filtered recall and p50 at 50%, 10% and
 * 1% selectivity against the unfiltered recall at the same ef_search.
 */
export async function benchSearch(env: BenchStack) {
  const name = "speed";
  const { dimension, rows: total, data } = mnistAll(3);
  const path = `/vectors/indexes/${name}/search`;
  await env.call("PUT", `/vectors/indexes/${name}`, { dimension, metric: "l2" });
  // Metadata for filters: `bucket` 0..99, independent of the image.
  for (let i = 0; i < total; i += 500) {
    const vectors = [];
    for (let r = i; r < Math.min(total, i + 500); r++) {
      const values = Array.from(data.subarray(r * dimension, (r + 1) * dimension));
      vectors.push({ id: `s${r}`, values, metadata: { bucket: (r * 37) % 100 } });
    }
    await env.call("POST", `/vectors/indexes/${name}/vectors`, { vectors });
  }
  await env.call("POST", `/vectors/hnsw/activate/${name}`, { default_config: CONFIG });
  const queries = Array.from({ length: 300 }, (_, i) => shifted(data, (i * 31) % total));
  const http = jsonClient(env.url, 1);
  const client = {
    // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes
    async post(body: unknown): Promise<any> {
      const res = await http.call("POST", path, body);
      if (res.status !== 200) throw new Error(`${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    },
  };

  // The baseline: raw searchKnn on the active generation's graph, read from S3.
  const raw = await rawSearch(env, name, dimension, queries);

  const single = async (extra: Record<string, unknown>) => {
    const latencies: number[] = [];
    for (const q of queries.slice(0, 30)) await client.post({ vector: q, k: K, ...extra });
    for (const q of queries) {
      const t0 = performance.now();
      await client.post({ vector: q, k: K, ...extra });
      latencies.push(performance.now() - t0);
    }
    return summary(latencies);
  };
  const strong = await single({});
  const eventual = await single({ consistency: "eventual" });
  const load = async (extra: Record<string, unknown>) =>
    clients(
      `${env.url}${path}`,
      queries.map((q) => ({ vector: q, k: K, ...extra })),
      8,
      5,
    );
  const eventualLoad = await load({ consistency: "eventual" });
  const strongLoad = await load({});

  // A batch of 100 against 100 single searches (both strong).
  const batchMs: number[] = [];
  for (let b = 0; b < 6; b++) {
    const batch = queries.slice((b % 3) * 100, (b % 3) * 100 + 100);
    const t0 = performance.now();
    const res = await client.post({ queries: batch, k: K });
    if (b > 0) batchMs.push(performance.now() - t0); // the first one warms up
    if ((res.results as unknown[]).length !== 100) throw new Error("batch answered short");
  }
  const perQueryBatch = batchMs.reduce((a, b) => a + b, 0) / batchMs.length / 100;

  // Filtered recall at 50%, 10% and 1% against exact filtered truth.
  const all = { data, dimension, rows: total };
  const truthOf = (keep: (bucket: number) => boolean) => {
    const mask = new Uint8Array(total);
    for (let r = 0; r < total; r++) mask[r] = keep((r * 37) % 100) ? 1 : 0;
    return queries.map((q) =>
      exactTopK(all, "l2", Float32Array.from(q), K, -1, mask).map((n) => `s${n.row}`),
    );
  };
  const recallOf = async (truth: string[][], filter?: Record<string, unknown>) => {
    let hits = 0;
    const latencies: number[] = [];
    let strategy = "graph";
    for (let i = 0; i < queries.length; i++) {
      const t0 = performance.now();
      const res = await client.post({ vector: queries[i], k: K, ...(filter ? { filter } : {}) });
      latencies.push(performance.now() - t0);
      strategy = res.filter?.strategy ?? "graph";
      const want = new Set(truth[i]);
      for (const hit of res.results as { id: string }[]) if (want.has(hit.id)) hits++;
    }
    return { recall: hits / (queries.length * K), p50: summary(latencies).p50, strategy };
  };
  const unfiltered = await recallOf(truthOf(() => true));
  const filtered = [];
  for (const [share, lt] of [
    ["50%", 50],
    ["10%", 10],
    ["1%", 1],
  ] as const) {
    const result = await recallOf(
      truthOf((b) => b < lt),
      { bucket: { $lt: lt } },
    );
    filtered.push({ share, ...result });
  }
  await env.call("DELETE", `/vectors/indexes/${name}`);
  http.close();

  console.log(
    `\nsearch through the local API, ${total.toLocaleString("en")} MNIST digits, m=${CONFIG.m} ef_construction=${CONFIG.ef_construction} ef_search=${CONFIG.ef_search}, k=${K}, 300 queries (shifted digits)`,
  );
  console.log(`  raw searchKnn on the same graph: p50 ${raw.p50.toFixed(3)} ms`);
  console.log(
    `  strong:   p50 ${strong.p50.toFixed(2)} ms = raw + ${(strong.p50 - raw.p50).toFixed(2)} ms (goal ≤ raw + 3 ms); ${strongLoad.perSecond.toFixed(0)} searches/s with 8 clients`,
  );
  console.log(
    `  eventual: p50 ${eventual.p50.toFixed(2)} ms = raw + ${(eventual.p50 - raw.p50).toFixed(2)} ms (goal ≤ raw + 1 ms); ${eventualLoad.perSecond.toFixed(0)} searches/s with 8 clients (goal ≥ 1,500)`,
  );
  console.log(
    `  batch of 100 (strong): ${perQueryBatch.toFixed(3)} ms per query vs ${strong.mean.toFixed(3)} ms per single search -> ${(strong.mean / perQueryBatch).toFixed(1)}x less per query`,
  );
  console.log(
    `  recall@${K} unfiltered ${unfiltered.recall.toFixed(4)} (p50 ${unfiltered.p50.toFixed(2)} ms); filtered (goal ≥ 0.9× unfiltered):`,
  );
  for (const f of filtered) {
    console.log(
      `    keeps ${f.share.padStart(3)}: recall ${f.recall.toFixed(4)} = ${(f.recall / unfiltered.recall).toFixed(3)}× unfiltered, p50 ${f.p50.toFixed(2)} ms, ${f.strategy === "scan" ? "exact scan of the matches" : "graph search"}`,
    );
  }
}

/** A digit shifted one pixel right (the left column blank). */
function shifted(data: Float32Array, row: number): number[] {
  const out = new Array<number>(SIDE * SIDE).fill(0);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 1; x < SIDE; x++) {
      out[y * SIDE + x] = data[row * SIDE * SIDE + y * SIDE + x - 1] as number;
    }
  }
  return out;
}

function summary(latencies: number[]) {
  const sorted = Float64Array.from(latencies).sort();
  return {
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    mean: latencies.reduce((a, b) => a + b, 0) / latencies.length,
  };
}

/** The same graph searched directly with hnswlib, as the API searches it. */
async function rawSearch(env: BenchStack, name: string, dimension: number, queries: number[][]) {
  const record = await env.services.vectors.getIndex(name);
  const active = record.active;
  if (!active) throw new Error("no active generation");
  const blobs = new S3BlobStore(
    createClients(env.services.settings).s3,
    env.services.settings.bucket,
  );
  const file = join(tmpdir(), `vectord-bench-raw-${Date.now()}.hnsw`);
  try {
    await downloadGraph(blobs, active, file);
    const graph = new hnswlib.HierarchicalNSW("l2", dimension);
    graph.readIndexSync(file);
    graph.setEf(CONFIG.ef_search);
    // Each query as Float32, the way the API hands it to hnswlib (read in one copy).
    const points = queries.map((q) => Float32Array.from(q));
    for (const q of points.slice(0, 30)) graph.searchKnn(q, K);
    const latencies = points.map((q) => {
      const t0 = performance.now();
      graph.searchKnn(q, K);
      return performance.now() - t0;
    });
    return summary(latencies);
  } finally {
    await rm(file, { force: true });
  }
}

/** Runs `concurrency` clients in a child process for `seconds`; their throughput and p50. */
function clients(
  url: string,
  bodies: unknown[],
  concurrency: number,
  seconds: number,
): Promise<{ perSecond: number; p50: number }> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL("./search-clients.mjs", import.meta.url), [], {
      execArgv: [],
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    child.once("message", (result) => {
      resolve(result as { perSecond: number; p50: number });
      child.disconnect();
    });
    child.once("error", reject);
    child.send({ url, bodies, concurrency, seconds });
  });
}
