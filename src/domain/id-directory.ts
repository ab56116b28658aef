import { digestOf, hashOrder, type IdDigest } from "./id-digest";
import { type IndexRecord, servableFloor } from "./index-record";
import type { SegmentRef } from "./segment";

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
 * What an id directory holds: the hashes (`idHash`) of the live ids, ascending, and the data
 * version of each one's latest word (which names the segment holding it: segments hold disjoint
 * ranges of versions).
 */
export interface LiveHashes {
  /** Live hashes, ascending. */
  readonly hashes: BigUint64Array;
  /** `versions[i]`: the data version that upserted `hashes[i]` last. */
  readonly versions: Uint32Array;
}

/** One segment's words as a directory applies them. */
export interface SegmentWords {
  /** Hashes of the ids it upserts, ascending (its digest's list). */
  readonly upserted: BigUint64Array;
  /** The data version of each upsert, in that order. */
  readonly versions: Uint32Array;
  /** Hashes of the ids it deletes, ascending. */
  readonly deleted: BigUint64Array;
}

/** The words of a segment whose every word has data version `version` (one request's). */
export function wordsAt(digest: IdDigest, version: number): SegmentWords {
  return { ...digest, versions: new Uint32Array(digest.upserted.length).fill(version) };
}

/** The words of a segment from its ids, deletions and each upsert's version (a merged one). */
export function wordsOf(segment: {
  readonly ids: readonly string[];
  readonly versions: readonly number[];
  readonly deleted: readonly string[];
}): SegmentWords {
  const { order, sorted } = hashOrder(segment.ids);
  return {
    upserted: sorted,
    versions: Uint32Array.from(order, (row) => segment.versions[row] as number),
    deleted: digestOf({ ids: [], deleted: segment.deleted }).deleted,
  };
}

/**
 * The live hashes once the words of `segments` (oldest first) are applied over `live` (the
 * directory before them): a later word about a hash wins, and within one segment an upsert wins
 * over a deletion of the same hash (as `latestWord` reads them).
 */
export function applyWords(live: LiveHashes, segments: readonly SegmentWords[]): LiveHashes {
  const layers: WordSet[] = [
    { ...live, upserted: new Uint8Array(live.hashes.length).fill(1) },
    ...segments.map(wordSetOf),
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
  const hashes = new BigUint64Array(n);
  const versions = new Uint32Array(n);
  let at = 0;
  for (let i = 0; i < all.hashes.length; i++) {
    if (!all.upserted[i]) continue;
    hashes[at] = all.hashes[i] as bigint;
    versions[at++] = all.versions[i] as number;
  }
  return { hashes, versions };
}

/** Bytes of an id directory's header: `[live count u32][entry bytes u32]`. */
export const ID_DIRECTORY_HEADER_BYTES = 8;

/** Bytes of one id directory entry: `[hash u64][version u32]`, little-endian. */
export const ID_DIRECTORY_ENTRY_BYTES = 12;

/**
 * The position of the segment, among `segments` before `end`, whose versions hold `version`
 * (segments hold disjoint, ascending ranges of versions); -1 when none does.
 */
export function segmentOfVersion(
  segments: readonly SegmentRef[],
  end: number,
  version: number,
): number {
  let lo = 0;
  let hi = end - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const ref = segments[mid] as SegmentRef;
    if (version < ref.min_version) hi = mid - 1;
    else if (version > ref.max_version) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** An id directory as stored: the header, then one entry per live hash, ascending. */
export function encodeIdDirectory(live: LiveHashes): Uint8Array {
  const n = live.hashes.length;
  const out = new Uint8Array(ID_DIRECTORY_HEADER_BYTES + ID_DIRECTORY_ENTRY_BYTES * n);
  const view = new DataView(out.buffer);
  view.setUint32(0, n, true);
  view.setUint32(4, ID_DIRECTORY_ENTRY_BYTES, true);
  for (let i = 0; i < n; i++) {
    const at = ID_DIRECTORY_HEADER_BYTES + ID_DIRECTORY_ENTRY_BYTES * i;
    view.setBigUint64(at, live.hashes[i] as bigint, true);
    view.setUint32(at + 8, live.versions[i] as number, true);
  }
  return out;
}

/**
 * A stored id directory's entries (its whole object). Throws a `RangeError` naming what it got and
 * expected when the header's count or entry size does not match the bytes.
 */
export function decodeIdDirectory(bytes: Uint8Array): LiveHashes {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true);
  const expected = ID_DIRECTORY_HEADER_BYTES + ID_DIRECTORY_ENTRY_BYTES * n;
  if (bytes.byteLength !== expected || view.getUint32(4, true) !== ID_DIRECTORY_ENTRY_BYTES) {
    throw new RangeError(
      `id directory has ${bytes.byteLength} bytes and entries of ${view.getUint32(4, true)}, expected ${expected} and ${ID_DIRECTORY_ENTRY_BYTES}`,
    );
  }
  return decodeHashEntries(bytes.subarray(ID_DIRECTORY_HEADER_BYTES), ID_DIRECTORY_ENTRY_BYTES);
}

/**
 * Little-endian entries that each start with a 64-bit hash: an id directory's (12 bytes: the hash,
 * then a 32-bit version) or an id digest's (8 bytes: the hash; versions are then 0).
 */
export function decodeHashEntries(bytes: Uint8Array, entryBytes: 8 | 12): LiveHashes {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Math.floor(bytes.byteLength / entryBytes);
  const hashes = new BigUint64Array(n);
  const versions = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    hashes[i] = view.getBigUint64(entryBytes * i, true);
    if (entryBytes === 12) versions[i] = view.getUint32(entryBytes * i + 8, true);
  }
  return { hashes, versions };
}

/** Sorted distinct hashes, each with whether its latest word upserts it (1) or deletes it (0). */
interface WordSet {
  readonly hashes: BigUint64Array;
  readonly upserted: Uint8Array;
  /** The version of each upsert (0 for a deletion). */
  readonly versions: Uint32Array;
}

/** One segment's words as a {@link WordSet} (an upsert wins over a deletion of the same hash). */
function wordSetOf(segment: SegmentWords): WordSet {
  const deletions: WordSet = {
    hashes: segment.deleted,
    upserted: new Uint8Array(segment.deleted.length),
    versions: new Uint32Array(segment.deleted.length),
  };
  const upserts: WordSet = {
    hashes: segment.upserted,
    upserted: new Uint8Array(segment.upserted.length).fill(1),
    versions: segment.versions,
  };
  return overlay(deletions, upserts);
}

/** `older` with `newer`'s words over it (equal hashes: `newer`'s), duplicates dropped. */
function overlay(older: WordSet, newer: WordSet): WordSet {
  const a = older.hashes;
  const b = newer.hashes;
  const size = a.length + b.length;
  const hashes = new BigUint64Array(size);
  const upserted = new Uint8Array(size);
  const versions = new Uint32Array(size);
  let i = 0;
  let j = 0;
  let n = 0;
  let lastNewer = false;
  // A hash twice in one list (two ids of one hash): one entry; the newer list's word wins.
  const push = (h: bigint, from: WordSet, k: number, isNewer: boolean) => {
    if (n > 0 && hashes[n - 1] === h) {
      if (isNewer || !lastNewer) {
        upserted[n - 1] = from.upserted[k] as number;
        versions[n - 1] = from.versions[k] as number;
      }
      lastNewer ||= isNewer;
      return;
    }
    hashes[n] = h;
    upserted[n] = from.upserted[k] as number;
    versions[n++] = from.versions[k] as number;
    lastNewer = isNewer;
  };
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x < y)) {
      push(x as bigint, older, i++, false);
    } else {
      // Equal hashes: the older word is passed over, the newer one wins.
      if (x === y) i++;
      push(y, newer, j++, true);
    }
  }
  return {
    hashes: hashes.subarray(0, n),
    upserted: upserted.subarray(0, n),
    versions: versions.subarray(0, n),
  };
}
