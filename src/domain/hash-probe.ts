import { firstAbove, positionOf } from "./id-digest";

/** Hashes per chunk: a probe reads a sorted hash list a chunk (512 bytes) at a time. */
export const PROBE_CHUNK = 64;

/** Interpolation rounds before a probe reads the rest of its hash's range whole. */
const INTERPOLATION_ROUNDS = 6;

/** 2^64: one past the largest hash. */
const HASH_END = 1n << 64n;

/**
 * Reads chunks of a sorted hash list: chunk `c` holds its hashes `[c·PROBE_CHUNK,
 * (c+1)·PROBE_CHUNK)` (the last one fewer). Asked for several at once, so a reader can coalesce
 * neighbours into one ranged read.
 */
export type ReadChunks = (
  chunks: readonly number[],
) => Promise<ReadonlyMap<number, BigUint64Array>>;

/**
 * Which of `hashes` a sorted list of `length` 64-bit hashes holds, and where (a hash it holds
 * twice: either position), reading only a few chunks of
 * it per hash: an interpolation search, since the hashes of ids are spread evenly over the 64-bit
 * range. Each round reads, for every hash not settled yet, the chunk where its position is
 * expected between the nearest hashes read so far below and above it (all of a round's chunks at
 * once); a hash is settled when it falls within a chunk read (held or not), and after
 * {@link INTERPOLATION_ROUNDS} rounds its remaining range is read whole. A list of a million
 * hashes settles a hash in about 3 rounds, 1.5 KB read.
 */
export async function probeSorted(
  length: number,
  hashes: readonly bigint[],
  read: ReadChunks,
): Promise<Map<bigint, number>> {
  const held = new Map<bigint, number>();
  // Each open hash: positions [lo, hi) may still hold it; `below` and `above` are the nearest
  // hashes read around it (or the ends of the 64-bit range).
  let open =
    length > 0
      ? [...new Set(hashes)].map((h) => ({ h, lo: 0, hi: length, below: 0n, above: HASH_END }))
      : [];
  for (let round = 0; open.length > 0; round++) {
    const wanted = open.map((p): [number, number] => {
      if (round >= INTERPOLATION_ROUNDS) {
        return [Math.floor(p.lo / PROBE_CHUNK), Math.floor((p.hi - 1) / PROBE_CHUNK)];
      }
      const span = BigInt(p.hi - p.lo);
      const at = p.lo + Number(((p.h - p.below) * span) / (p.above - p.below));
      const c = Math.floor(Math.min(Math.max(at, p.lo), p.hi - 1) / PROBE_CHUNK);
      return [c, c];
    });
    const chunks = await read([...new Set(wanted.flatMap(([a, b]) => range(a, b)))]);
    const next: typeof open = [];
    open.forEach((p, i) => {
      const [first, last] = wanted[i] as [number, number];
      const words = concat(range(first, last).map((c) => chunkOf(chunks, c)));
      const start = first * PROBE_CHUNK;
      const end = start + words.length;
      const low = words[0];
      const high = words[words.length - 1];
      if (low === undefined || high === undefined) return; // past the end: not held
      if (p.h < low) {
        p.hi = Math.min(p.hi, start);
        p.above = low;
      } else if (p.h > high) {
        p.lo = Math.max(p.lo, end);
        p.below = high;
      } else {
        const at = positionOf(words, p.h);
        if (at >= 0) held.set(p.h, start + at);
        return;
      }
      if (p.lo < p.hi) next.push(p);
    });
    open = next;
  }
  return held;
}

/**
 * The position of the first hash above `h` in a sorted list of `length` 64-bit hashes (`length`
 * when none is), reading a few chunks of it as {@link probeSorted} does: where an id listing's
 * page resumes.
 */
export async function probeAbove(length: number, h: bigint, read: ReadChunks): Promise<number> {
  // Positions before `lo` hold hashes up to `h`, those from `hi` on hashes above it; `below` and
  // `above` are the nearest hashes read around it.
  let lo = 0;
  let hi = length;
  let below = 0n;
  let above = HASH_END;
  for (let round = 0; lo < hi; round++) {
    let first: number;
    let last: number;
    if (round >= INTERPOLATION_ROUNDS) {
      first = Math.floor(lo / PROBE_CHUNK);
      last = Math.floor((hi - 1) / PROBE_CHUNK);
    } else {
      const at = lo + Number(((h - below) * BigInt(hi - lo)) / (above - below));
      first = last = Math.floor(Math.min(Math.max(at, lo), hi - 1) / PROBE_CHUNK);
    }
    const chunks = await read(range(first, last));
    const words = concat(range(first, last).map((c) => chunkOf(chunks, c)));
    const start = first * PROBE_CHUNK;
    const low = words[0] as bigint;
    const high = words[words.length - 1] as bigint;
    if (h < low) {
      hi = Math.min(hi, start);
      above = low;
    } else if (h >= high) {
      lo = Math.max(lo, start + words.length);
      below = high;
    } else {
      return start + firstAbove(words, h);
    }
  }
  return lo;
}

/** `[a, a+1, ..., b]`. */
function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
}

function chunkOf(chunks: ReadonlyMap<number, BigUint64Array>, c: number): BigUint64Array {
  const words = chunks.get(c);
  if (!words) throw new RangeError(`hash chunk ${c} was asked for but not read`);
  return words;
}

function concat(parts: readonly BigUint64Array[]): BigUint64Array {
  if (parts.length === 1) return parts[0] as BigUint64Array;
  const out = new BigUint64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
