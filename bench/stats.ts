import { percentile } from "../src/domain/trial-metrics";

/** The median of `xs` (any order; the nearest-rank 50th percentile, so the lower of two middles). */
export function median(xs: readonly number[]): number {
  return percentile(Float64Array.from(xs).sort(), 50);
}
