import { z } from "zod";
import { exactTopK } from "../src/domain/exact-search";
import { buildGraph, exactNeighbors, type QueryRows } from "../src/domain/hnsw";
import { measureArms } from "../src/domain/hnsw-measure";
import { upsertBody } from "../src/http/schemas";
import { startLocalStack } from "../src/local/local-stack";
import { localTasks } from "../src/local/local-tasks";
import { benchAutotune } from "./autotune";
import { mnist } from "./datasets";
import { benchFresh } from "./fresh";
import { benchImport } from "./import";
import { loadedStack } from "./mnist-stack";
import { benchSearch } from "./search";
import { describeSoak, runSoak } from "./soak";
import { benchTargetRecall } from "./tuning";
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
const queriesOf = (count: number): QueryRows => ({
  data: data.queries.subarray(0, count * dimension),
  dimension,
  rows: count,
  excludeRows: new Int32Array(count).fill(-1),
});

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
  exactTopK(rows, "l2", queries[0] as Float32Array, 10);
  naiveTopK(plain, Array.from(queries[0] as Float32Array), 10);
  const fast = time(() => queries.map((query) => exactTopK(rows, "l2", query, 10)));
  const slow = time(() => queries.map((query) => naiveTopK(plain, Array.from(query), 10)));
  const agree = fast.result.every((hits, i) => hits.every((h, j) => h.row === slow.result[i]?.[j]));
  console.log(`\nexact search (the /search endpoint), ${data.name}, ${q} queries, k=10`);
  console.log(`  baseline, object per row + sort: ${(slow.ms / q).toFixed(2)} ms/query`);
  console.log(`  vectord exactTopK:               ${(fast.ms / q).toFixed(2)} ms/query`);
  console.log(`  speed-up: ${(slow.ms / fast.ms).toFixed(1)}x (same neighbors: ${agree})`);
}

function benchGroundTruth() {
  console.log(
    `\nground truth (harnesses), ${data.name}, k=10: JS scan vs hnswlib native brute force`,
  );
  for (const count of [10, 100, 1000]) {
    const queries = queriesOf(count);
    const js = time(() => exactNeighbors(rows, "l2", queries, 10, "js"));
    const native = time(() => exactNeighbors(rows, "l2", queries, 10, "native"));
    const same = js.result.every((r, i) => r === native.result[i]);
    console.log(
      `  ${String(count).padStart(4)} queries: js ${js.ms.toFixed(0).padStart(5)} ms, native ${native.ms.toFixed(0).padStart(5)} ms ` +
        `-> native is ${(js.ms / native.ms).toFixed(2)}x (same neighbors: ${same})`,
    );
  }
}

function benchTrial() {
  const queries = queriesOf(200);
  const truth = exactNeighbors(rows, "l2", queries, 10, "native");
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
      const [m] = measureArms([{ graph: build.result, efSearch: ef }], queries, truth, 10);
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
if (wanted("import")) await benchImport();
const stackBenches = ["autotune", "target-recall", "writes", "fresh", "search"].filter(wanted);
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
    if (wanted("search")) await benchSearch(env);
    if (wanted("writes")) await benchWrites(env);
  } finally {
    await env.stop();
  }
}
