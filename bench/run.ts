import hnswlib from "hnswlib-node";
import { z } from "zod";
import { exactTopK, exactTopKScalar, type VectorRows } from "../src/domain/exact-search";
import { buildGraph, exactNeighbors, type QueryRows, rowOf } from "../src/domain/hnsw";
import { measureArms } from "../src/domain/hnsw-measure";
import { type ScanMemory, scanRows } from "../src/domain/scan-kernel";
import { upsertBody } from "../src/http/vector-schemas";
import { startLocalStack } from "../src/local/local-stack";
import { localTasks } from "../src/local/local-tasks";
import { benchAutotune } from "./autotune";
import { benchCatalogItem } from "./catalog-item";
import { benchCatchUpWrite } from "./catch-up-write";
import { mnist, queryRowsOf } from "./datasets";
import { benchDownloads } from "./downloads";
import { benchFresh } from "./fresh";
import { benchHotSwap } from "./hot-swap";
import { benchIdDirectory } from "./id-directory";
import { benchIdListing, manySegmentIndex } from "./id-listing";
import { benchImport } from "./import";
import { benchIndexListing } from "./index-listing";
import { benchLiveCheck } from "./live-check";
import { loadedStack } from "./mnist-stack";
import { benchDirectoryRead, benchPointRead } from "./point-read";
import { benchCopyHub, benchRecallTies } from "./recall-ties";
import { benchSearch } from "./search";
import { benchSegmentWrites } from "./segment-writes";
import { benchSimd } from "./simd";
import { describeSoak, runSoak } from "./soak";
import { median } from "./stats";
import { benchTargetRecall } from "./tuning";
import { arrayFiller, benchTypedPoints } from "./typed-points";
import { benchWrites } from "./writes";

// `npm run bench`: each claim is a ratio against a baseline measured in the same run.

function time<T>(fn: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = fn();
  return { ms: performance.now() - start, result };
}

const data = mnist(8000, 2000);
const { dimension, baseCount } = data;
const rows = { data: data.base, dimension, rows: baseCount };
const queriesOf = (count: number) => queryRowsOf(data, count);

/** The baseline: what a straightforward implementation does (object per row, full sort). */
function naiveTopK(plain: number[][], query: number[], k: number): number[] {
  return plain
    .map((row, i) => ({
      i,
      distance: row.reduce((s, x, j) => s + (x - (query[j] as number)) ** 2, 0),
    }))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, k)
    .map((r) => r.i);
}

function benchExactSearch() {
  const q = 200;
  const plain = Array.from({ length: baseCount }, (_, i) =>
    Array.from(data.base.subarray(i * dimension, (i + 1) * dimension)),
  );
  const queries = Array.from({ length: q }, (_, i) =>
    data.queries.subarray(i * dimension, (i + 1) * dimension),
  );
  const ways = {
    naive: () => queries.map((query) => naiveTopK(plain, Array.from(query), 10)),
    scalar: () => queries.map((query) => exactTopKScalar(rows, "l2", query, 10).map((h) => h.row)),
    simd: () => queries.map((query) => exactTopK(rows, "l2", query, 10).map((h) => h.row)),
  };
  // Warm-up (the kernel copies the rows into its memory on the first scan), then 5 interleaved
  // rounds, the median of each.
  for (const way of Object.values(ways)) way();
  const ms = { naive: [] as number[], scalar: [] as number[], simd: [] as number[] };
  const results: Record<string, number[][]> = {};
  for (let round = 0; round < 5; round++) {
    for (const [name, way] of Object.entries(ways)) {
      const { ms: took, result } = time(way);
      ms[name as keyof typeof ms].push(took / q);
      results[name] = result;
    }
  }
  const same = (a: number[][] | undefined, b: number[][] | undefined) =>
    a?.every((hits, i) => hits.every((h, j) => h === b?.[i]?.[j])) ?? false;
  console.log(
    `\nexact search (the /search endpoint, a tail's scan), ${data.name}, ${baseCount.toLocaleString("en")} rows, ${q} queries, k=10, median of 5 interleaved rounds`,
  );
  console.log(`  baseline, object per row + sort:        ${median(ms.naive).toFixed(2)} ms/query`);
  console.log(
    `  previous code path, scalar Float32Array: ${median(ms.scalar).toFixed(2)} ms/query`,
  );
  console.log(`  vectord exactTopK, WebAssembly SIMD:     ${median(ms.simd).toFixed(2)} ms/query`);
  console.log(
    `  speed-up: ${(median(ms.scalar) / median(ms.simd)).toFixed(1)}x over the scalar scan, ${(median(ms.naive) / median(ms.simd)).toFixed(0)}x over the baseline (same neighbors as scalar: ${same(results.simd, results.scalar)}, as baseline: ${same(results.simd, results.naive)})`,
  );
  // The kernel alone: rows kept in its memory, or streamed through its block on every scan (an
  // index of more than 64 MiB).
  const kernel = (memory: ScanMemory) => {
    let sink = 0;
    const started = performance.now();
    for (const query of queries) {
      scanRows(
        data.base,
        dimension,
        baseCount,
        "l2",
        query,
        (_, values) => {
          sink += values[0] as number;
        },
        memory,
      );
    }
    return { ms: (performance.now() - started) / q, sink };
  };
  kernel({ mirrorMaxBytes: 0 });
  const kept = median(Array.from({ length: 5 }, () => kernel({}).ms));
  const streamed = median(Array.from({ length: 5 }, () => kernel({ mirrorMaxBytes: 0 }).ms));
  console.log(
    `  kernel alone: ${kept.toFixed(2)} ms/query with the rows kept, ${streamed.toFixed(2)} streamed through its block (an index over 64 MiB)`,
  );
}

/**
 * The baseline for ground truth, raw hnswlib-node: its native brute-force index, every row
 * copied in through `addPoint`, one `searchKnn` per query (as vectord did before the SIMD scan).
 */
function nativeNeighbors(rows: VectorRows, queries: QueryRows, k: number): Int32Array {
  // BruteforceSearch takes plain arrays only (vectord's patch is HierarchicalNSW's).
  const fill = arrayFiller(rows.dimension);
  const out = new Int32Array(queries.rows * k).fill(-1);
  const index = new hnswlib.BruteforceSearch("l2", rows.dimension);
  index.initIndex(rows.rows);
  for (let r = 0; r < rows.rows; r++) index.addPoint(fill(rowOf(rows, r)), r);
  for (let q = 0; q < queries.rows; q++) {
    const { neighbors, distances } = index.searchKnn(fill(rowOf(queries, q)), k);
    neighbors
      .map((row, i) => ({ row, distance: distances[i] as number }))
      .sort((a, b) => a.distance - b.distance || a.row - b.row)
      .forEach((hit, i) => {
        out[q * k + i] = hit.row;
      });
  }
  return out;
}

function benchGroundTruth() {
  console.log(
    `\nground truth (harnesses), ${data.name}, k=10: raw hnswlib-node's native brute force vs vectord's SIMD scan (each given its own copy of the rows, which both copy once)`,
  );
  for (const count of [10, 100, 1000]) {
    const queries = queriesOf(count);
    const fresh = () => ({ ...rows, data: data.base.slice() });
    const nativeRows = fresh();
    const native = time(() => nativeNeighbors(nativeRows, queries, 10));
    const scanInput = fresh();
    const scan = time(() => exactNeighbors(scanInput, "l2", queries, 10));
    const same = scan.result.every((r, i) => r === native.result[i]);
    console.log(
      `  ${String(count).padStart(4)} queries: native ${native.ms.toFixed(0).padStart(5)} ms, scan ${scan.ms.toFixed(0).padStart(5)} ms ` +
        `-> ${(native.ms / scan.ms).toFixed(2)}x (same neighbors: ${same})`,
    );
  }
}

function benchTrial() {
  const queries = queriesOf(200);
  const truth = exactNeighbors(rows, "l2", queries, 10);
  console.log(`\nHNSW trial, ${data.name}, 200 queries, k=10, m=16 (exact scan as the baseline)`);
  const exact = time(() => {
    for (let i = 0; i < queries.rows; i++)
      exactTopK(rows, "l2", queries.data.subarray(i * dimension, (i + 1) * dimension), 10);
  });
  const exactUs = (exact.ms * 1000) / queries.rows;
  console.log(`  exact scan: ${exactUs.toFixed(0)} us/query`);
  for (const efc of [40, 160]) {
    const build = time(() => buildGraph(rows, "l2", { m: 16, ef_construction: efc, seed: 42 }));
    for (const ef of [10, 30, 100]) {
      const [m] = measureArms([{ graph: build.result, efSearch: ef }], queries, { truth, k: 10 });
      if (!m) throw new Error("no measurement");
      const sorted = Float64Array.from(m.latenciesUs).sort();
      const p50 = sorted[Math.floor(sorted.length / 2)] as number;
      console.log(
        `  ef_construction=${efc} (build ${build.ms.toFixed(0)} ms) ef_search=${ef}: recall@10 ${m.recall.toFixed(3)}, ` +
          `p50 ${p50.toFixed(0)} us -> ${(exactUs / p50).toFixed(0)}x faster than exact`,
      );
    }
  }
}

/** Validating an upsert at the edge: one schema per value (the baseline) vs one loop per array. */
function benchValidation() {
  const vectors = Array.from({ length: 1000 }, (_, i) => ({
    id: `v${i}`,
    values: Array.from(
      data.base.subarray((i % baseCount) * dimension, (i % baseCount) * dimension + dimension),
    ),
  }));
  const body = JSON.parse(JSON.stringify({ vectors }));
  const perValue = z.strictObject({
    vectors: z
      .array(z.strictObject({ id: z.string(), values: z.array(z.number()) }))
      .min(1)
      .max(1000),
  });
  const best = (fn: () => unknown) => Math.min(...Array.from({ length: 5 }, () => time(fn).ms));
  const baseline = best(() => perValue.parse(body));
  const ours = best(() => upsertBody.parse(body));
  console.log(`\nupsert validation, 1,000 MNIST vectors (${dimension} values each), best of 5`);
  console.log(`  baseline, a zod schema per value: ${baseline.toFixed(1)} ms`);
  console.log(`  vectord upsertBody:               ${ours.toFixed(1)} ms`);
  console.log(`  speed-up: ${(baseline / ours).toFixed(1)}x`);
}

// `npm run bench` runs every benchmark; `npm run bench -- fresh writes` runs those named.
const only = new Set(process.argv.slice(2));
const wanted = (name: string) => only.size === 0 || only.has(name);

if (wanted("exact")) benchExactSearch();
if (wanted("validation")) benchValidation();
if (wanted("ground-truth")) benchGroundTruth();
if (wanted("trial")) benchTrial();
if (wanted("recall-ties")) benchRecallTies(data, baseCount);
if (wanted("copies")) benchCopyHub(data, baseCount);
if (wanted("simd")) benchSimd(data, baseCount);
if (wanted("points")) benchTypedPoints(data, baseCount);
if (wanted("import")) await benchImport();
if (wanted("catch-up-write")) benchCatchUpWrite();
const stackBenches = [
  "autotune",
  "target-recall",
  "writes",
  "segment-writes",
  "id-directory",
  "catalog-item",
  "index-listing",
  "fresh",
  "fresh-default-threshold",
  "hot-swap",
  "search",
  "point-read",
  "downloads",
].filter(wanted);
if (wanted("soak")) {
  // On a stack of its own: the soak measures the service under load, nothing else.
  const stack = await startLocalStack();
  try {
    console.log(describeSoak(await runSoak(stack.url, () => localTasks().drain())));
  } finally {
    await stack.stop();
  }
}
if (stackBenches.length > 0) {
  const env = await loadedStack(data, "mnist", { queries: 100 });
  try {
    if (wanted("autotune")) await benchAutotune(env, "mnist", data.name);
    if (wanted("target-recall")) await benchTargetRecall(env, "mnist", data.name);
    if (wanted("fresh")) await benchFresh(env);
    if (only.has("fresh-default-threshold")) await benchFresh(env, 9500);
    if (wanted("hot-swap")) await benchHotSwap(env);
    if (wanted("search")) await benchSearch(env);
    if (wanted("point-read")) {
      await benchPointRead(env, "mnist");
      await benchDirectoryRead(env, data);
      await manySegmentIndex(env, "many-segments", 100, 2000);
      await benchIdListing(env, ["mnist", "mnist-chunks", "many-segments"]);
    }
    if (wanted("writes")) await benchWrites(env);
    if (wanted("segment-writes")) {
      benchLiveCheck();
      await benchSegmentWrites(env);
    }
    if (wanted("id-directory")) await benchIdDirectory(env);
    if (wanted("catalog-item")) await benchCatalogItem(env);
    if (wanted("index-listing")) await benchIndexListing(env);
    if (wanted("downloads")) await benchDownloads(env);
  } finally {
    await env.stop();
  }
}
