import fc from "fast-check";

/**
 * fast-check segments of words about ids `id0` … `id<maxId>`: the ids a segment upserts and the
 * ids it deletes (disjoint, as segments are), at most `maxWords` of them.
 */
export function segmentWords(maxId: number, maxWords: number) {
  const id = fc.integer({ min: 0, max: maxId }).map((i) => `id${i}`);
  return fc
    .uniqueArray(fc.tuple(id, fc.boolean()), { maxLength: maxWords, selector: ([i]) => i })
    .map((words) => ({
      ids: words.filter(([, up]) => up).map(([i]) => i),
      deleted: words.filter(([, up]) => !up).map(([i]) => i),
    }));
}
