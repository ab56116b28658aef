import type { Metric } from "./metric";

/**
 * Scales `v` in place to unit length. Returns the original norm (0 for a zero vector, which is
 * left unchanged).
 */
export function normalizeInPlace(v: Float32Array, offset = 0, dimension = v.length): number {
  let sum = 0;
  for (let i = offset, end = offset + dimension; i < end; i++) {
    const x = v[i] as number;
    sum += x * x;
  }
  const norm = Math.sqrt(sum);
  if (norm > 0) {
    const inv = 1 / norm;
    for (let i = offset, end = offset + dimension; i < end; i++) v[i] = (v[i] as number) * inv;
  }
  return norm;
}

/** Copies a query into a Float32Array, normalized when the metric is `cosine`. */
export function prepareQuery(metric: Metric, values: ArrayLike<number>): Float32Array {
  const q = Float32Array.from(values as ArrayLike<number>);
  if (metric === "cosine") normalizeInPlace(q);
  return q;
}

/**
 * The shortest decimal that reads back as the same 32-bit float: stored values are Float32, so
 * 0.9 is returned as 0.9 rather than 0.8999999761581421.
 */
export function shortestFloat32(x: number): number {
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return candidate;
  }
  return Number(x.toPrecision(9));
}
