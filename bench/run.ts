import { exactTopK } from "../src/domain/exact-search";
import { mnist } from "./datasets";

// `npm run bench`: each claim is a ratio against a baseline measured in the same run.

function time<T>(fn: () => T): { ms: number; result: T } {
  const start = performance.now();
  const result = fn();
  return { ms: performance.now() - start, result };
}

/** The baseline: what a straightforward implementation does (object per row, full sort). */
function naiveTopK(rows: number[][], query: number[], k: number): string[] {
  return rows
    .map((row, i) => ({
      id: `v${i}`,
      distance: row.reduce((s, x, j) => s + (x - (query[j] as number)) ** 2, 0),
    }))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, k)
    .map((r) => r.id);
}

function benchExactSearch() {
  const data = mnist(8000, 200);
  const { dimension, baseCount, queryCount } = data;
  const rows = Array.from({ length: baseCount }, (_, i) =>
    Array.from(data.base.subarray(i * dimension, (i + 1) * dimension)),
  );
  const queries = Array.from({ length: queryCount }, (_, i) =>
    data.queries.subarray(i * dimension, (i + 1) * dimension),
  );
  const matrix = { data: data.base, dimension, rows: baseCount };
  // warm-up both
  exactTopK(matrix, "l2", queries[0] as Float32Array, 10);
  naiveTopK(rows, Array.from(queries[0] as Float32Array), 10);

  const fast = time(() => queries.map((q) => exactTopK(matrix, "l2", q, 10)));
  const slow = time(() => queries.map((q) => naiveTopK(rows, Array.from(q), 10)));
  const agree = fast.result.every((hits, i) =>
    hits.every(
      (h, j) =>
        `v${h.row}` === (slow.result[i] as string[])[j] ||
        h.distance === fast.result[i]?.[j]?.distance,
    ),
  );
  console.log(`exact search, ${data.name}, ${queryCount} queries, k=10`);
  console.log(`  baseline (objects + sort): ${(slow.ms / queryCount).toFixed(2)} ms/query`);
  console.log(`  vectord exactTopK:         ${(fast.ms / queryCount).toFixed(2)} ms/query`);
  console.log(`  speed-up: ${(slow.ms / fast.ms).toFixed(1)}x (same results: ${agree})`);
}

benchExactSearch();
