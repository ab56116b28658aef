import { endianness } from "node:os";

/**
 * A segment is one immutable batch of writes to an index: vectors upserted (ids, values,
 * metadata) and ids deleted. Segments are applied in order; a later segment wins for an id.
 * Values are stored as raw Float32 little-endian bytes; ids, metadata and deletions as JSON.
 */
export interface SegmentManifest {
  /** Ids upserted by this segment, in row order. */
  readonly ids: readonly string[];
  /** Metadata per upserted row (`null` when none was given). */
  readonly metadata: readonly (Record<string, unknown> | null)[];
  /** Ids deleted by this segment. */
  readonly deleted: readonly string[];
}

/** A segment with its vector values: row `i` is `values[i * dimension .. (i + 1) * dimension)`. */
export interface Segment extends SegmentManifest {
  readonly values: Float32Array;
}

/** The catalog's reference to a stored segment. */
export interface SegmentRef {
  /** Unique segment id (also its storage key stem). */
  readonly id: string;
  /** Number of vectors it upserts. */
  readonly vectors: number;
  /** Number of ids it deletes. */
  readonly deletes: number;
}

const LITTLE_ENDIAN = endianness() === "LE";

/** Float32 values as little-endian bytes (a view, without copying, on little-endian hosts). */
export function encodeValues(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  return out;
}

/** Little-endian Float32 bytes back to values; `expected` is the number of floats. */
export function decodeValues(bytes: Uint8Array, expected: number): Float32Array {
  if (bytes.byteLength !== expected * 4) {
    throw new RangeError(`segment has ${bytes.byteLength} value bytes, expected ${expected * 4}`);
  }
  const out = new Float32Array(expected);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < expected; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/**
 * Applies segment manifests in order to a set of live ids. Segments are append-only, so a
 * set computed for a prefix of an index's segment list can be extended with the rest.
 */
export function applyToLiveIds(live: Set<string>, manifest: SegmentManifest): void {
  for (const id of manifest.ids) live.add(id);
  for (const id of manifest.deleted) live.delete(id);
}

/**
 * Merges consecutive segments (oldest first) into one with the same effect: an id whose last
 * word in them is an upsert is upserted with its latest values and metadata; one whose last word
 * is a delete is deleted. Applied after the same earlier segments, it gives the same live set.
 */
export function mergeSegments(segments: readonly Segment[], dimension: number): Segment {
  // id -> [segment, row] of its latest upsert, or -1 when its latest word is a delete.
  const last = new Map<string, [number, number] | -1>();
  segments.forEach((segment, s) => {
    segment.ids.forEach((id, r) => {
      last.delete(id); // keep first-insertion order meaningful: re-adds move to the end
      last.set(id, [s, r]);
    });
    for (const id of segment.deleted) {
      last.delete(id);
      last.set(id, -1);
    }
  });
  const ids: string[] = [];
  const metadata: (Record<string, unknown> | null)[] = [];
  const deleted: string[] = [];
  for (const [id, where] of last) {
    if (where === -1) deleted.push(id);
    else ids.push(id);
  }
  const values = new Float32Array(ids.length * dimension);
  let row = 0;
  for (const where of last.values()) {
    if (where === -1) continue;
    const [s, r] = where;
    const segment = segments[s] as Segment;
    values.set(segment.values.subarray(r * dimension, (r + 1) * dimension), row * dimension);
    metadata.push(segment.metadata[r] ?? null);
    row++;
  }
  return { ids, metadata, deleted, values };
}
