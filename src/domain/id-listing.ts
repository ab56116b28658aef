import { type IdDigest, latestWord, type Word } from "./id-digest";

/** A live id found by {@link nextLiveIds}: its latest word (an upsert) and its hash. */
export interface ListedWord extends Word {
  readonly hash: bigint;
}

/**
 * The next `limit` live ids of an index version after hash `after` (from the start when `null`),
 * in the order of their 64-bit hashes, from its segments' digests (oldest first): each id whose
 * latest word is an upsert, named by that word (segment and digest position, which its manifest
 * or directory turns into the id). `more` says whether a live id follows the page.
 *
 * The order is a property of the ids alone, not of where they are stored, so a listing resumed
 * from a page's last hash is unaffected by compactions between pages, and an id live throughout
 * the listing is listed exactly once. Two live ids sharing one hash (about 1 in 3.7 × 10^7 for a
 * million ids) list as one, as they count as one.
 */
export function nextLiveIds(
  digests: readonly IdDigest[],
  after: bigint | null,
  limit: number,
): { items: ListedWord[]; more: boolean } {
  const heads = digests.map((d) => (after === null ? 0 : firstAbove(d.upserted, after)));
  const items: ListedWord[] = [];
  for (;;) {
    let min: bigint | undefined;
    digests.forEach((d, s) => {
      const h = d.upserted[heads[s] as number];
      if (h !== undefined && (min === undefined || h < min)) min = h;
    });
    if (min === undefined) return { items, more: false };
    digests.forEach((d, s) => {
      while (d.upserted[heads[s] as number] === min) heads[s] = (heads[s] as number) + 1;
    });
    const word = latestWord(digests, min);
    if (word?.word !== "upserted") continue; // deleted or replaced later
    if (items.length === limit) return { items, more: true };
    items.push({ ...word, hash: min });
  }
}

/** The position of the first hash in `sorted` above `h` (its length when none is). */
function firstAbove(sorted: BigUint64Array, h: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as bigint) <= h) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
