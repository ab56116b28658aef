import { endianness } from "node:os";

/**
 * A segment is one immutable batch of writes to an index: vectors upserted (ids, values,
 * metadata) and ids deleted, each stamped with the `data_version` of the write that made it.
 * Segments are applied in order; a later segment wins for an id. Values are stored as raw Float32
 * little-endian bytes; ids, metadata, versions and deletions as JSON.
 */
export interface SegmentManifest {
  /** Ids upserted by this segment, in row order (each id at most once). */
  readonly ids: readonly string[];
  /** Metadata per upserted row (`null` when none was given). */
  readonly metadata: readonly (Record<string, unknown> | null)[];
  /** Ids deleted by this segment (none of them also upserted by it). */
  readonly deleted: readonly string[];
  /**
   * The data_version that wrote each row, and each deletion. A segment written by one request
   * leaves them out: all its words carry the version its catalog entry records. Merged segments
   * keep every word's own version.
   */
  readonly versions?: readonly number[];
  /** The data version of each deletion (see `versions`). */
  readonly deleted_versions?: readonly number[];
}

/** A segment with its vector values: row `i` is `values[i * dimension .. (i + 1) * dimension)`. */
export interface Segment extends SegmentManifest {
  /** Row `i`'s values: `values[i * dimension .. (i + 1) * dimension)`. */
  readonly values: Float32Array;
}

/** A segment as read, with every row's and deletion's version resolved. */
export interface VersionedSegment extends Segment {
  /** The data version that wrote each row. */
  readonly versions: readonly number[];
  /** The data version of each deletion. */
  readonly deleted_versions: readonly number[];
}

/** The catalog's reference to a stored segment. */
export interface SegmentRef {
  /** Unique segment id (also its storage key stem). */
  readonly id: string;
  /** Number of vectors (rows) it holds, live or not. */
  readonly vectors: number;
  /** Number of ids it deletes. */
  readonly deletes: number;
  /** Stored size (values and manifest), for size-tiered compaction. */
  readonly bytes: number;
  /** The oldest and newest data_version of its words. */
  readonly min_version: number;
  /** The newest data_version of its words. */
  readonly max_version: number;
}

/** The UTF-8 bytes of segment `ref`'s stored manifest (its stored size less its values). */
export function manifestBytes(ref: SegmentRef, dimension: number): number {
  return Math.max(0, ref.bytes - ref.vectors * 4 * dimension);
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

/** A segment's words with their versions resolved (`version` for one written by one request). */
export function withVersions(segment: Segment, version: number): VersionedSegment {
  return {
    ...segment,
    versions: segment.versions ?? segment.ids.map(() => version),
    deleted_versions: segment.deleted_versions ?? segment.deleted.map(() => version),
  };
}

/**
 * Merges consecutive segments (oldest first) into one with the same effect: an id whose last word
 * in them is an upsert keeps its latest row (values, metadata, version); one whose last word is a
 * delete keeps the deletion, unless `dropDeletesUpTo` says no one needs it: deletions at or below
 * that version are dropped (only safe when no older segment is left to shadow, and no serving
 * graph predates them). Applied after the same earlier segments, it gives the same live rows.
 */
export function mergeSegments(
  segments: readonly VersionedSegment[],
  dimension: number,
  dropDeletesUpTo: number | null = null,
): VersionedSegment {
  // id -> [segment, row] of its latest upsert, or [segment, -1 - deletion index].
  const last = new Map<string, [number, number]>();
  segments.forEach((segment, s) => {
    segment.ids.forEach((id, r) => {
      last.delete(id); // keep first-insertion order meaningful: re-adds move to the end
      last.set(id, [s, r]);
    });
    segment.deleted.forEach((id, d) => {
      last.delete(id);
      last.set(id, [s, -1 - d]);
    });
  });
  const ids: string[] = [];
  const metadata: (Record<string, unknown> | null)[] = [];
  const versions: number[] = [];
  const deleted: string[] = [];
  const deletedVersions: number[] = [];
  let rows = 0;
  for (const [, r] of last.values()) if (r >= 0) rows++;
  const values = new Float32Array(rows * dimension);
  for (const [id, [s, r]] of last) {
    const segment = segments[s] as VersionedSegment;
    if (r < 0) {
      const version = segment.deleted_versions[-1 - r] as number;
      if (dropDeletesUpTo !== null && version <= dropDeletesUpTo) continue;
      deleted.push(id);
      deletedVersions.push(version);
      continue;
    }
    values.set(segment.values.subarray(r * dimension, (r + 1) * dimension), ids.length * dimension);
    ids.push(id);
    metadata.push(segment.metadata[r] ?? null);
    versions.push(segment.versions[r] as number);
  }
  return { ids, metadata, deleted, values, versions, deleted_versions: deletedVersions };
}

/** The oldest and newest version of a segment's words (`fallback` when it has none). */
export function versionRange(
  segment: Pick<VersionedSegment, "versions" | "deleted_versions">,
  fallback: number,
): { min_version: number; max_version: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of segment.versions) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  for (const v of segment.deleted_versions) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return Number.isFinite(min)
    ? { min_version: min, max_version: max }
    : { min_version: fallback, max_version: fallback };
}
