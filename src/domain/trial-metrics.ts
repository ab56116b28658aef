/**
 * recall@k of one query: the share of its exact top-k (`truth`) that the approximate search
 * found (`found`, its first k entries). Rows are integers; -1 marks "no result".
 */
export function queryRecall(found: ArrayLike<number>, truth: ArrayLike<number>): number {
  if (truth.length === 0) return 1;
  const want = new Set<number>();
  for (let i = 0; i < truth.length; i++) want.add(truth[i] as number);
  let hits = 0;
  const n = Math.min(found.length, truth.length);
  for (let i = 0; i < n; i++) if (want.has(found[i] as number)) hits++;
  return hits / truth.length;
}

/** Nearest-rank percentile (p in 0..100) of `sorted`, which must be ascending. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Latency summary in microseconds, rounded to 0.1 µs. */
export function latencySummary(latenciesUs: Float64Array): {
  p50: number;
  p95: number;
  p99: number;
} {
  const sorted = Float64Array.from(latenciesUs).sort();
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
  };
}
