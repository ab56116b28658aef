import TinyQueue from "tinyqueue";
import { firstAbove, type IdDigest, type Word } from "./id-digest";

/** A live id found by {@link nextLiveIds}: its latest word (an upsert) and its hash. */
export interface ListedWord extends Word {
  /** The id's 64-bit hash: a listing's order, and where its next page starts. */
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
  // One merge of every segment's upserted and deleted hashes from `after` on: each hash's words
  // are met together, so the latest one is known without searching the other segments (a page
  // costs its words times log of the lists, not its ids times the segments).
  const cursors: Cursor[] = [];
  digests.forEach((digest, segment) => {
    for (const deleted of [false, true]) {
      const list = deleted ? digest.deleted : digest.upserted;
      const at = after === null ? 0 : firstAbove(list, after);
      const offset = deleted ? digest.upserted.length : 0;
      if (at < list.length) cursors.push({ segment, deleted, list, offset, at });
    }
  });
  const queue = new TinyQueue(cursors, (a, b) => {
    const x = headOf(a);
    const y = headOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const items: ListedWord[] = [];
  for (let next = queue.peek(); next; next = queue.peek()) {
    const hash = headOf(next);
    // Every word about `hash`: the newest segment's decides (a segment never both upserts and
    // deletes an id).
    let latest: Cursor = next;
    let position = next.offset + next.at;
    for (let c = queue.peek(); c && headOf(c) === hash; c = queue.peek()) {
      queue.pop();
      if (c.segment > latest.segment) {
        latest = c;
        position = c.offset + c.at;
      }
      while (c.at < c.list.length && c.list[c.at] === hash) c.at++;
      if (c.at < c.list.length) queue.push(c);
    }
    if (latest.deleted) continue; // deleted or replaced later
    if (items.length === limit) return { items, more: true };
    items.push({ segment: latest.segment, word: "upserted", position, hash });
  }
  return { items, more: false };
}

/** Where a merge stands in one of a segment's hash lists. */
interface Cursor {
  readonly segment: number;
  readonly deleted: boolean;
  readonly list: BigUint64Array;
  /** Where the list starts in the segment's digest positions (upserted, then deleted). */
  readonly offset: number;
  /** The next position in `list` (below its length while the cursor is queued). */
  at: number;
}

function headOf(cursor: Cursor): bigint {
  return cursor.list[cursor.at] as bigint;
}
