import { type IndexRecord, servableFloor } from "./index-record";
import {
  type NameList,
  nameListOfLines,
  namesCount,
  namesIndexBytes,
  namesSection,
} from "./name-list";
import type { SegmentRef } from "./segment";
import type { Span } from "./segment-directory";

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

/**
 * Where the parts of an id directory of `count` live hashes sit: the entries; then, in a directory
 * with names (`IdDirectoryRef.names`), the block index of its names section and the names (the
 * live ids in the entries' order, one JSON string a line; see `namesSection`).
 */
export function idDirectoryLayout(count: number): {
  readonly entries: Span;
  readonly index: Span;
  readonly namesStart: number;
} {
  const end = ID_DIRECTORY_HEADER_BYTES + ID_DIRECTORY_ENTRY_BYTES * count;
  const namesStart = end + namesIndexBytes(count);
  return {
    entries: { start: ID_DIRECTORY_HEADER_BYTES, end },
    index: { start: end, end: namesStart },
    namesStart,
  };
}

/**
 * An id directory as stored: the header, then one entry per live hash, ascending, then (given
 * `names`, one per hash in their order) the names section (see {@link idDirectoryLayout}).
 * Throws a `RangeError` when `names` has another count than the hashes.
 */
export function encodeIdDirectory(live: LiveHashes, names?: NameList): Uint8Array {
  const n = live.hashes.length;
  if (names && namesCount(names) !== n) {
    throw new RangeError(`id directory of ${n} hashes was given ${namesCount(names)} names`);
  }
  const section = names ? namesSection(names) : new Uint8Array();
  const { entries } = idDirectoryLayout(n);
  const out = new Uint8Array(entries.end + section.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, n, true);
  view.setUint32(4, ID_DIRECTORY_ENTRY_BYTES, true);
  for (let i = 0; i < n; i++) {
    const at = ID_DIRECTORY_HEADER_BYTES + ID_DIRECTORY_ENTRY_BYTES * i;
    view.setBigUint64(at, live.hashes[i] as bigint, true);
    view.setUint32(at + 8, live.versions[i] as number, true);
  }
  out.set(section, entries.end);
  return out;
}

/**
 * A stored id directory's entries, and its names when it has them (`named`), from its whole
 * object. Throws a `RangeError` naming what it got and expected when the header's count or entry
 * size does not match the bytes.
 */
export function decodeIdDirectory(
  bytes: Uint8Array,
  named = false,
): LiveHashes & { readonly names?: NameList } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true);
  const { entries, index, namesStart } = idDirectoryLayout(n);
  const size = view.getUint32(4, true);
  const names = named ? namesOf(bytes, index, namesStart) : undefined;
  const expected = names ? namesStart + names.bytes.byteLength : entries.end;
  if (bytes.byteLength !== expected || size !== ID_DIRECTORY_ENTRY_BYTES) {
    throw new RangeError(
      `id directory of ${n} ids ${named ? "with" : "without"} names has ${bytes.byteLength} bytes and entries of ${size}, expected ${expected} and ${ID_DIRECTORY_ENTRY_BYTES}`,
    );
  }
  const live = decodeHashEntries(
    bytes.subarray(entries.start, entries.end),
    ID_DIRECTORY_ENTRY_BYTES,
  );
  if (names && namesCount(names) !== n) {
    throw new RangeError(`id directory of ${n} ids has ${namesCount(names)} names`);
  }
  return names ? { ...live, names } : live;
}

/** The names of a directory (see {@link idDirectoryLayout}); none when its bytes end first. */
function namesOf(bytes: Uint8Array, index: Span, namesStart: number): NameList | undefined {
  if (bytes.byteLength < namesStart) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getFloat64(index.end - 8, true);
  if (namesStart + length > bytes.byteLength) return undefined;
  return nameListOfLines(bytes.subarray(namesStart, namesStart + length));
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
