import { digestOf, hashOrder, type IdDigest } from "./id-digest";
import type { LiveHashes } from "./id-directory";

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

/**
 * The words of a segment from its ids, deletions and each upsert's version (a merged one), and
 * its ids in the order of `upserted` (hash order).
 */
export function wordsOf(segment: {
  readonly ids: readonly string[];
  readonly versions: readonly number[];
  readonly deleted: readonly string[];
}): SegmentWords & { readonly names: string[] } {
  const { order, sorted } = hashOrder(segment.ids);
  return {
    upserted: sorted,
    versions: Uint32Array.from(order, (row) => segment.versions[row] as number),
    deleted: digestOf({ ids: [], deleted: segment.deleted }).deleted,
    names: Array.from(order, (row) => segment.ids[row] as string),
  };
}

/**
 * {@link LiveHashes} with where each entry's word came from: `layer[i]` is 0 for the directory
 * the words were applied over and `s + 1` for the `s`-th segment applied, and `position[i]` the
 * entry's position in that layer (among the directory's hashes, or the segment's upserted ones),
 * which is where its name is.
 */
export interface SourcedHashes extends LiveHashes {
  /** The layer of each entry's word. */
  readonly layer: Uint32Array;
  /** Its position in that layer. */
  readonly position: Uint32Array;
}

/**
 * The live hashes once the words of `segments` (oldest first) are applied over `live` (the
 * directory before them), with where each came from: a later word about a hash wins, and within
 * one segment an upsert wins over a deletion of the same hash (as `latestWord` reads them).
 */
export function applyWords(live: LiveHashes, segments: readonly SegmentWords[]): SourcedHashes {
  const n = live.hashes.length;
  const layers: WordSet[] = [
    {
      ...live,
      upserted: new Uint8Array(n).fill(1),
      layer: new Uint32Array(n),
      position: Uint32Array.from({ length: n }, (_, i) => i),
    },
    ...segments.map((segment, s) => wordSetOf(segment, s + 1)),
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
  let count = 0;
  for (let i = 0; i < all.hashes.length; i++) if (all.upserted[i]) count++;
  const out = {
    hashes: new BigUint64Array(count),
    versions: new Uint32Array(count),
    layer: new Uint32Array(count),
    position: new Uint32Array(count),
  };
  let at = 0;
  for (let i = 0; i < all.hashes.length; i++) {
    if (!all.upserted[i]) continue;
    out.hashes[at] = all.hashes[i] as bigint;
    out.versions[at] = all.versions[i] as number;
    out.layer[at] = all.layer[i] as number;
    out.position[at++] = all.position[i] as number;
  }
  return out;
}

/** Sorted distinct hashes, each with whether its latest word upserts it (1) or deletes it (0). */
interface WordSet {
  readonly hashes: BigUint64Array;
  readonly upserted: Uint8Array;
  /** The version of each upsert (0 for a deletion). */
  readonly versions: Uint32Array;
  /** Where each word came from (see {@link SourcedHashes}). */
  readonly layer: Uint32Array;
  readonly position: Uint32Array;
}

/** One segment's words as a {@link WordSet} (an upsert wins over a deletion of the same hash). */
function wordSetOf(segment: SegmentWords, layer: number): WordSet {
  const deletions: WordSet = {
    hashes: segment.deleted,
    upserted: new Uint8Array(segment.deleted.length),
    versions: new Uint32Array(segment.deleted.length),
    layer: new Uint32Array(segment.deleted.length).fill(layer),
    position: new Uint32Array(segment.deleted.length),
  };
  const upserts: WordSet = {
    hashes: segment.upserted,
    upserted: new Uint8Array(segment.upserted.length).fill(1),
    versions: segment.versions,
    layer: new Uint32Array(segment.upserted.length).fill(layer),
    position: Uint32Array.from({ length: segment.upserted.length }, (_, i) => i),
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
  const layer = new Uint32Array(size);
  const position = new Uint32Array(size);
  let i = 0;
  let j = 0;
  let n = 0;
  let lastNewer = false;
  const take = (at: number, from: WordSet, k: number) => {
    upserted[at] = from.upserted[k] as number;
    versions[at] = from.versions[k] as number;
    layer[at] = from.layer[k] as number;
    position[at] = from.position[k] as number;
  };
  // A hash twice in one list (two ids of one hash): one entry; the newer list's word wins.
  const push = (h: bigint, from: WordSet, k: number, isNewer: boolean) => {
    if (n > 0 && hashes[n - 1] === h) {
      if (isNewer || !lastNewer) take(n - 1, from, k);
      lastNewer ||= isNewer;
      return;
    }
    hashes[n] = h;
    take(n++, from, k);
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
    layer: layer.subarray(0, n),
    position: position.subarray(0, n),
  };
}
