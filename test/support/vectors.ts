import { seededRandom } from "../../src/domain/seeded-random";

/** `count` random vectors of `dimension` from `seed`, with ids `v0`, `v1`, ... */
export function randomVectors(count: number, dimension: number, seed = 1, prefix = "v") {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}${i}`,
    values: Array.from({ length: dimension }, () => Math.fround(random() * 2 - 1)),
  }));
}

/** Upserts vectors in batches of 1,000 through the API. */
export async function upsertAll(
  api: { post: (path: string, body: unknown) => Promise<{ status: number }> },
  index: string,
  vectors: { id: string; values: number[] }[],
): Promise<void> {
  for (let i = 0; i < vectors.length; i += 1000) {
    const res = await api.post(`/vectors/indexes/${index}/vectors`, {
      vectors: vectors.slice(i, i + 1000),
    });
    if (res.status !== 200) throw new Error(`upsert failed with ${res.status}`);
  }
}
