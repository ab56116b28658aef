/**
 * How many of a query's exact top-k (`truth`) the approximate search found (`found`, its first
 * k entries). Rows are integers; -1 marks "no result".
 */
function queryHits(found: ArrayLike<number>, truth: ArrayLike<number>): number {
  const want = new Set<number>();
  for (let i = 0; i < truth.length; i++) want.add(truth[i] as number);
  let hits = 0;
  const n = Math.min(found.length, truth.length);
  for (let i = 0; i < n; i++) if (want.has(found[i] as number)) hits++;
  return hits;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Mean recall@k over queries, kept as hit counts per truth length so the mean is one division:
 * 475 hits of 500 is exactly `0.95`, and meets `min_recall: 0.95`. A running sum of per-query
 * recalls gives 0.9499999999999998 there, which fails the target and reads wrong. A query's
 * recall@k is the share of its exact top-k found; one with no ground truth counts as recall 1,
 * and no queries at all give 1.
 */
export class RecallMean {
  private readonly hitsByLength = new Map<number, number>();
  private queries = 0;
  private sum = 0;
  private squares = 0;

  /** Counts one query: what the search found against its exact top-k. */
  add(found: ArrayLike<number>, truth: ArrayLike<number>): void {
    const length = Math.max(1, truth.length);
    const hits = truth.length === 0 ? 1 : queryHits(found, truth);
    this.hitsByLength.set(length, (this.hitsByLength.get(length) ?? 0) + hits);
    this.queries++;
    this.sum += hits / length;
    this.squares += (hits / length) ** 2;
  }

  /**
   * The standard error of {@link value}: the sample standard deviation of the per-query recalls
   * over √queries (0 with fewer than 2 queries). Another set of as many queries like these reads
   * within about twice this of the mean, 95 times in 100.
   */
  stderr(): number {
    const n = this.queries;
    if (n < 2) return 0;
    const variance = Math.max(0, (this.squares - (this.sum * this.sum) / n) / (n - 1));
    return Math.sqrt(variance / n);
  }

  /** The mean over the queries added so far (1 with none). */
  value(): number {
    if (this.queries === 0) return 1;
    let lcm = 1;
    for (const length of this.hitsByLength.keys()) lcm = (lcm / gcd(lcm, length)) * length;
    if (lcm * this.queries <= Number.MAX_SAFE_INTEGER) {
      let hits = 0;
      for (const [length, h] of this.hitsByLength) hits += h * (lcm / length);
      return hits / (lcm * this.queries);
    }
    let sum = 0;
    for (const [length, h] of this.hitsByLength) sum += h / length;
    return sum / this.queries;
  }
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
