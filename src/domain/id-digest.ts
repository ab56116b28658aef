import type { SegmentManifest } from "./segment";

/**
 * A segment's id digest: the sorted 64-bit hashes of the ids it upserts and of those it deletes,
 * stored beside it (8 bytes per word). A writer needs to know, for each id it writes, whether
 * the id is live (to keep `count` exact and to answer 404 for a missing delete); reading every
 * segment's ids and metadata for that would cost the whole index on a cold start. Digests cost 8
 * bytes per stored row, read once per segment per warm instance.
 *
 * Two ids share a 64-bit hash with probability about n² / 2^65 for unrelated ids (1 in
 * 3.7 × 10^7 at a million): such a pair would make `count` off by one. Nothing else relies on
 * digests alone: loads and searches use the ids themselves, and a purge confirms every row it
 * drops against the later segment's real ids.
 */
export interface IdDigest {
  /** Hashes ({@link idHash}) of the ids the segment upserts, ascending. */
  readonly upserted: BigUint64Array;
  /** Hashes of the ids the segment deletes, ascending. */
  readonly deleted: BigUint64Array;
}

/**
 * The 64-bit hash of an id: two 32-bit FNV-1a hashes of its UTF-16 code units with different
 * offset bases, side by side. Not cryptographic (ids are the caller's own; a collision costs a
 * miscount, never data), and about a hundred times cheaper than a SHA: a merge hashes every id
 * it keeps, on the same event loop that serves requests locally.
 */
export function idHash(id: string): bigint {
  hashWords(id, WORDS);
  return (BigInt(WORDS[0] as number) << 32n) | BigInt(WORDS[1] as number);
}

const WORDS = new Uint32Array(2);

/** {@link idHash} as its high and low 32-bit words, written to `out` (no BigInt). */
function hashWords(id: string, out: Uint32Array): void {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
    b ^= b >>> 15;
  }
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  out[0] = a >>> 0;
  out[1] = b >>> 0;
}

function sortedHashes(ids: readonly string[]): BigUint64Array {
  const out = BigUint64Array.from(ids, idHash);
  out.sort();
  return out;
}

/** The digest of a segment's manifest: its upserted and deleted ids' hashes, each list sorted. */
export function digestOf(manifest: Pick<SegmentManifest, "ids" | "deleted">): IdDigest {
  return { upserted: sortedHashes(manifest.ids), deleted: sortedHashes(manifest.deleted) };
}

/** Bytes of a stored digest's header: `[upserted count u32][deleted count u32]`. */
export const DIGEST_HEADER_BYTES = 8;

/** `[upserted count u32][deleted count u32][upserted u64...][deleted u64...]`, little-endian. */
export function encodeDigest(digest: IdDigest): Uint8Array {
  const out = new Uint8Array(8 + 8 * (digest.upserted.length + digest.deleted.length));
  const view = new DataView(out.buffer);
  view.setUint32(0, digest.upserted.length, true);
  view.setUint32(4, digest.deleted.length, true);
  let at = 8;
  for (const list of [digest.upserted, digest.deleted]) {
    for (const h of list) {
      view.setBigUint64(at, h, true);
      at += 8;
    }
  }
  return out;
}

/**
 * Decodes {@link encodeDigest}'s bytes; throws a `RangeError` naming both lengths when the byte
 * length does not match the counts in its header.
 */
export function decodeDigest(bytes: Uint8Array): IdDigest {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const up = view.getUint32(0, true);
  const del = view.getUint32(4, true);
  if (bytes.byteLength !== 8 + 8 * (up + del)) {
    throw new RangeError(`id digest has ${bytes.byteLength} bytes, expected ${8 + 8 * (up + del)}`);
  }
  const read = (from: number, n: number) => {
    const out = new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = view.getBigUint64(from + 8 * i, true);
    return out;
  };
  return { upserted: read(8, up), deleted: read(8 + 8 * up, del) };
}

/**
 * The rows of `ids` in the order of their sorted hashes (ties by row): the order of a digest's
 * `upserted` (or `deleted`) list, so position `p` of the digest is row `order[p]`.
 */
export function sortedHashOrder(ids: readonly string[]): Uint32Array {
  return hashedOrder(ids).order;
}

/**
 * {@link sortedHashOrder} of `ids` with the sorted hashes themselves (the digest's list for
 * them), from one hashing of each id: a large segment's writer needs both.
 */
export function hashOrder(ids: readonly string[]): { order: Uint32Array; sorted: BigUint64Array } {
  const { hi, lo, order } = hashedOrder(ids);
  const sorted = BigUint64Array.from(
    order,
    (row) => (BigInt(hi[row] as number) << 32n) | BigInt(lo[row] as number),
  );
  return { order, sorted };
}

function hashedOrder(ids: readonly string[]) {
  const hi = new Uint32Array(ids.length);
  const lo = new Uint32Array(ids.length);
  const words = new Uint32Array(2);
  ids.forEach((id, i) => {
    hashWords(id, words);
    hi[i] = words[0] as number;
    lo[i] = words[1] as number;
  });
  const order = Uint32Array.from(ids, (_, i) => i);
  // Numbers compare as the 64-bit hashes do: high word first, both unsigned.
  order.sort(
    (a, b) =>
      (hi[a] as number) - (hi[b] as number) || (lo[a] as number) - (lo[b] as number) || a - b,
  );
  return { hi, lo, order };
}

/** The position of `h` in `sorted` (binary search), or -1. */
export function positionOf(sorted: BigUint64Array, h: bigint): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = sorted[mid] as bigint;
    if (v === h) return mid;
    if (v < h) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** The position of the first hash in `sorted` above `h` (its length when none is). */
export function firstAbove(sorted: BigUint64Array, h: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as bigint) <= h) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The latest word about an id, by {@link latestWord}. */
export interface Word {
  /** Index of the segment that last upserted or deleted it. */
  readonly segment: number;
  /** Whether that segment upserted or deleted it. */
  readonly word: "upserted" | "deleted";
  /** Its hash's position in that segment's digest: upserted hashes, then deleted ones. */
  readonly position: number;
}

/** What {@link latestWord} asks of a segment's filter (see `DigestFilter`). */
export interface HashFilter {
  /** `false` when the digest surely does not hold the hash `(hi << 32) | lo`. */
  mayHold(hi: number, lo: number): boolean;
}

/**
 * The latest word about an id across digests (oldest first); `undefined` when none mentions it.
 * With `filters` (one per digest), only the digests whose filter may hold `h` are searched.
 */
export function latestWord(
  digests: readonly IdDigest[],
  h: bigint,
  filters?: readonly HashFilter[],
): Word | undefined {
  const hi = filters ? Number(h >> 32n) : 0;
  const lo = filters ? Number(h & 0xffffffffn) : 0;
  for (let s = digests.length - 1; s >= 0; s--) {
    if (filters && !(filters[s] as HashFilter).mayHold(hi, lo)) continue;
    const d = digests[s] as IdDigest;
    const up = positionOf(d.upserted, h);
    if (up >= 0) return { segment: s, word: "upserted", position: up };
    const del = positionOf(d.deleted, h);
    if (del >= 0) return { segment: s, word: "deleted", position: d.upserted.length + del };
  }
  return undefined;
}
