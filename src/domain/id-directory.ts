import type { IdDigest } from "./id-digest";
import { type IndexRecord, servableFloor } from "./index-record";

/**
 * Where `record`'s id directory (`IndexRecord.idDirectory`) stands: the position of the first
 * segment it does not cover (those holding words newer than its version, which a writer still
 * reads by their digests), or `null` when the record has no directory it may trust.
 *
 * A directory holds every word up to its version, and merges never drop a deletion newer than it
 * ({@link droppableDeletions}), so it stays right as segments merge. As a precaution it is trusted
 * only while the segments split cleanly at its version, as the builder leaves them: the first
 * segment is covered, and no segment holds words from both sides (a merge across it, which the
 * builder never plans for: it covers up to a full segment, which never merges again). Until the
 * next build, writers then read every digest.
 */
export function directoryCoverage(record: IndexRecord): { readonly uncoveredFrom: number } | null {
  const directory = record.idDirectory;
  const first = record.segments[0];
  if (!directory || !first || first.max_version > directory.version) return null;
  let uncoveredFrom = record.segments.length;
  for (let s = 0; s < record.segments.length; s++) {
    const ref = record.segments[s];
    if (!ref || ref.max_version <= directory.version) continue;
    if (ref.min_version <= directory.version) return null;
    uncoveredFrom = Math.min(uncoveredFrom, s);
  }
  // Covered segments come first: a covered one after an uncovered one breaks the version order.
  for (let s = uncoveredFrom; s < record.segments.length; s++) {
    if ((record.segments[s]?.max_version ?? 0) <= directory.version) return null;
  }
  return { uncoveredFrom };
}

/**
 * The newest deletions a merge of the segments from position `start` of `record` may drop
 * (`mergeSegments`' `dropDeletesUpTo`), or `null` for none. Only a merge at the head of the list
 * drops any (nothing older is left for them to shadow), and none newer than the generation a
 * search may still serve (`servableFloor`: its stale labels are found from the words since), nor
 * than the index's id directory (which holds those ids live until a build applies the deletions).
 */
export function droppableDeletions(record: IndexRecord, start: number): number | null {
  if (start !== 0) return null;
  const floor = servableFloor(record.active);
  return record.idDirectory ? Math.min(floor, record.idDirectory.version) : floor;
}

/**
 * The live hashes once the words of `digests` (oldest first) are applied over `live` (the live
 * hashes before them, sorted): a later word about a hash wins, and within one digest an upsert
 * wins over a deletion of the same hash (as `latestWord` reads them). Sorted ascending.
 */
export function applyWords(live: BigUint64Array, digests: readonly IdDigest[]): BigUint64Array {
  const layers: WordSet[] = [
    { hashes: live, upserted: new Uint8Array(live.length).fill(1) },
    ...digests.map(wordsOf),
  ];
  // Pairwise, as a tree: every hash is merged log2(layers) times, not once per layer.
  let level = layers;
  while (level.length > 1) {
    const next: WordSet[] = [];
    for (let i = 0; i < level.length; i += 2) {
      const older = level[i] as WordSet;
      const newer = level[i + 1];
      next.push(newer ? overlay(older, newer) : older);
    }
    level = next;
  }
  const [all] = level as [WordSet];
  let n = 0;
  for (let i = 0; i < all.hashes.length; i++) if (all.upserted[i]) n++;
  const out = new BigUint64Array(n);
  let at = 0;
  for (let i = 0; i < all.hashes.length; i++) {
    if (all.upserted[i]) out[at++] = all.hashes[i] as bigint;
  }
  return out;
}

/** Sorted distinct hashes, each with whether its latest word upserts it (1) or deletes it (0). */
interface WordSet {
  readonly hashes: BigUint64Array;
  readonly upserted: Uint8Array;
}

/** One digest's words as a {@link WordSet} (an upsert wins over a deletion of the same hash). */
function wordsOf(digest: IdDigest): WordSet {
  const deletions: WordSet = {
    hashes: digest.deleted,
    upserted: new Uint8Array(digest.deleted.length),
  };
  const upserts: WordSet = {
    hashes: digest.upserted,
    upserted: new Uint8Array(digest.upserted.length).fill(1),
  };
  return overlay(deletions, upserts);
}

/** `older` with `newer`'s words over it (equal hashes: `newer`'s), duplicates dropped. */
function overlay(older: WordSet, newer: WordSet): WordSet {
  const a = older.hashes;
  const b = newer.hashes;
  const hashes = new BigUint64Array(a.length + b.length);
  const upserted = new Uint8Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  let lastNewer = false;
  // A hash twice in one list (two ids of one hash): one entry; the newer list's word wins.
  const push = (h: bigint, u: number, isNewer: boolean) => {
    if (n > 0 && hashes[n - 1] === h) {
      if (isNewer || !lastNewer) upserted[n - 1] = u;
      lastNewer ||= isNewer;
      return;
    }
    hashes[n] = h;
    upserted[n++] = u;
    lastNewer = isNewer;
  };
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x < y)) {
      push(x as bigint, older.upserted[i++] as number, false);
    } else {
      // Equal hashes: the older word is passed over, the newer one wins.
      if (x === y) i++;
      push(y, newer.upserted[j++] as number, true);
    }
  }
  return { hashes: hashes.subarray(0, n), upserted: upserted.subarray(0, n) };
}
