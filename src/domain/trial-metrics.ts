/**
 * How far past a truth radius a result still ties it: 1e-5 of the radius (at least 1e-5), so the
 * few ulps by which hnswlib's 32-bit SIMD sums and the exact scan's differ never split a tie.
 */
export const TIE_TOLERANCE = 1e-5;

/** The largest distance that ties a truth radius of `radius` (see {@link TIE_TOLERANCE}). */
export function tieLimit(radius: number): number {
  return radius + TIE_TOLERANCE * Math.max(1, Math.abs(radius));
}

/** A search's answer to one query: its rows, nearest first, and their distances. */
export interface Found {
  /** The rows found (their first k count); -1 marks "no result". */
  readonly rows: ArrayLike<number>;
  /** Their distances, when known: a row no farther than the truth's radius is a tie. */
  readonly distances?: ArrayLike<number>;
}

/**
 * How many of a query's exact top-k (`truth`) the approximate search found (`found`, its first
 * k entries). A found row counts when it is in the truth, or when it is no farther from the
 * query than the truth's farthest row (`radius`, within {@link tieLimit}): a tie at the k-th
 * distance, such as a duplicate of a true neighbor, is as good an answer as the row the exact
 * scan happened to keep, and is counted as found (as ann-benchmarks counts recall).
 */
function queryHits(found: Found, truth: ArrayLike<number>, radius?: number): number {
  const want = new Set<number>();
  for (let i = 0; i < truth.length; i++) want.add(truth[i] as number);
  const { rows, distances } = found;
  const limit = radius !== undefined && distances ? tieLimit(radius) : undefined;
  let hits = 0;
  const n = Math.min(rows.length, truth.length);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as number;
    const tie = limit !== undefined && row >= 0 && (distances?.[i] as number) <= limit;
    if (want.has(row) || tie) hits++;
  }
  return hits;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Mean recall@k over queries, kept as hit counts per truth length so the mean is one division:
 * 475 hits of 500 is exactly `0.95`, and meets `min_recall: 0.95`. A running sum of per-query
 * recalls gives 0.9499999999999998 there, which fails the target and reads wrong. A query's
 * recall@k is the share of its exact top-k found, ties at its k-th distance included; one with no
 * ground truth counts as recall 1, and no queries at all give 1.
 */
export class RecallMean {
  private readonly hitsByLength = new Map<number, number>();
  private queries = 0;
  private sum = 0;
  private squares = 0;

  /**
   * Counts one query: what the search found against its exact top-k and, when given, the
   * distance of its farthest true neighbor (ties count, see {@link queryHits}).
   */
  add(found: Found, truth: ArrayLike<number>, radius?: number): void {
    const length = Math.max(1, truth.length);
    const hits = truth.length === 0 ? 1 : queryHits(found, truth, radius);
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
