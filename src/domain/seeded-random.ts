/**
 * mulberry32: a small, fast, seedable PRNG returning floats in [0, 1). The same seed always gives
 * the same sequence, on every platform.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` distinct items of `items` chosen by `seed` (a partial Fisher-Yates shuffle). The
 * choice depends only on the seed and the items' order, so callers pass a canonical order.
 */
export function seededSample<T>(items: readonly T[], count: number, seed: number): T[] {
  const pool = [...items];
  const random = seededRandom(seed);
  const n = Math.min(count, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(random() * (pool.length - i));
    const tmp = pool[i] as T;
    pool[i] = pool[j] as T;
    pool[j] = tmp;
  }
  return pool.slice(0, n);
}
