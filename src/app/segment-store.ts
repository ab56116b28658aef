import { randomUUID } from "node:crypto";
import { segmentStem } from "../../infra/storage";
import { decodeDigest, digestOf, encodeDigest, type IdDigest } from "../domain/id-digest";
import type { IndexRecord } from "../domain/index-record";
import {
  decodeValues,
  encodeValues,
  manifestBytes,
  type Segment,
  type SegmentManifest,
  type SegmentRef,
  type VersionedSegment,
  versionRange,
  withVersions,
} from "../domain/segment";
import {
  DIRECTORY_ENTRY_BYTES,
  type DirectoryEntry,
  decodeDirectoryEntry,
  manifestText,
  type Span,
} from "../domain/segment-directory";
import type { BlobStore } from "./ports";

/**
 * A segment the catalog names is not in storage: a compaction replaced it after the catalog was
 * read. Reading again from a fresh catalog record finds its replacement.
 */
export class MissingSegmentError extends Error {
  override readonly name = "MissingSegmentError";
}

interface ManifestFile extends SegmentManifest {
  readonly format: 2;
  readonly dimension: number;
}

/**
 * Default of {@link SegmentStore}'s `directoryMinBytes`: a manifest this large (1 MiB) gets a
 * directory. Reading a smaller one whole costs about what the directory's two round trips do,
 * and an instance keeps it for the next read.
 */
export const DEFAULT_DIRECTORY_MIN_BYTES = 1024 * 1024;

/** The object keys of a segment. */
export function segmentKeys(index: Pick<IndexRecord, "name" | "uid">, id: string) {
  const stem = segmentStem(index, id);
  return {
    values: `${stem}.f32`,
    manifest: `${stem}.json`,
    digest: `${stem}.ids`,
    directory: `${stem}.dir`,
  };
}

/**
 * Segments on a {@link BlobStore}: `<stem>.json` holds ids, metadata, versions and deletions,
 * `<stem>.f32` the values (absent when the segment only deletes), `<stem>.ids` its id digest,
 * and `<stem>.dir`, for a manifest of at least `directoryMinBytes`, its directory (see
 * {@link DirectoryEntry}). The manifest goes last: a segment without one was never finished (and
 * no catalog names it).
 */
export class SegmentStore {
  /** Manifests at least this large (UTF-8 bytes) have a directory (default 1 MiB). */
  readonly directoryMinBytes: number;

  constructor(
    private readonly blobs: BlobStore,
    { directoryMinBytes = DEFAULT_DIRECTORY_MIN_BYTES }: { directoryMinBytes?: number } = {},
  ) {
    this.directoryMinBytes = directoryMinBytes;
  }

  /** The store the segments are on (where an index's id directory lives too). */
  get blobStore(): BlobStore {
    return this.blobs;
  }

  /**
   * Writes a segment's objects and returns its catalog reference. A segment of one request has
   * no versions yet (`pending`): they are the data_version its commit gets (see
   * {@link committedAt}); a merged segment carries every word's own version.
   */
  async write(index: IndexRecord, segment: Segment | VersionedSegment): Promise<SegmentRef> {
    const id = randomUUID();
    const keys = segmentKeys(index, id);
    const manifest = manifestText(
      { format: 2, dimension: index.dimension },
      segment,
      this.directoryMinBytes,
    );
    const values = encodeValues(segment.values);
    const binary = "application/octet-stream";
    try {
      // All settle before any cleanup, so a failed put never races a late one.
      const puts = await Promise.allSettled([
        segment.ids.length > 0 ? this.blobs.put(keys.values, values, binary) : Promise.resolve(),
        // A segment with a directory had its ids hashed for it: not hashed again.
        this.blobs.put(keys.digest, encodeDigest(manifest.digest ?? digestOf(segment)), binary),
        manifest.directory
          ? this.blobs.put(keys.directory, manifest.directory, binary)
          : Promise.resolve(),
      ]);
      const failed = puts.find((p) => p.status === "rejected");
      if (failed) throw failed.reason;
      await this.blobs.put(keys.manifest, manifest.text, "application/json");
    } catch (err) {
      // Nothing names this segment yet: remove what was written (the orphan sweep removes it
      // if storage is failing now).
      await this.discard(index, { id }).catch(() => undefined);
      throw err;
    }
    const range =
      segment.versions && segment.deleted_versions
        ? versionRange(segment as VersionedSegment, 0)
        : { min_version: 0, max_version: 0 };
    return {
      id,
      vectors: segment.ids.length,
      deletes: segment.deleted.length,
      bytes: values.byteLength + manifest.bytes,
      ...range,
    };
  }

  /** Removes a segment's objects (one that never made it into the catalog, or was replaced). */
  async discard(index: IndexRecord, ref: Pick<SegmentRef, "id">): Promise<void> {
    const keys = segmentKeys(index, ref.id);
    await this.blobs.deleteKeys([keys.manifest, keys.values, keys.digest, keys.directory]);
  }

  /**
   * Writes the directory of segment `ref`, written before directories existed: its manifest is
   * read and its spans found again. `false` (nothing written) when the manifest's text is not the
   * one this code writes for its content, so spans found again could be wrong: that segment stays
   * read through its manifest.
   */
  async addDirectory(index: IndexRecord, ref: SegmentRef): Promise<boolean> {
    const keys = segmentKeys(index, ref.id);
    const bytes = await this.blobs.get(keys.manifest);
    if (!bytes)
      throw new MissingSegmentError(`segment manifest ${keys.manifest} is missing from storage`);
    const stored = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
    const { format, dimension, ...manifest } = JSON.parse(stored) as ManifestFile;
    const again = manifestText({ format, dimension }, manifest, 0);
    if (again.text !== stored || !again.directory) return false;
    await this.blobs.put(keys.directory, again.directory, "application/octet-stream");
    return true;
  }

  /**
   * Whether segment `ref` was written with a directory, by its size (a segment written before
   * directories existed has none: {@link readDirectoryEntry} then answers `undefined`).
   */
  hasDirectory(index: IndexRecord, ref: SegmentRef): boolean {
    return manifestBytes(ref, index.dimension) >= this.directoryMinBytes;
  }

  /**
   * Entry `position` of segment `ref`'s directory (a ranged read), or `undefined` when the
   * segment has no directory.
   */
  async readDirectoryEntry(
    index: IndexRecord,
    ref: SegmentRef,
    position: number,
  ): Promise<DirectoryEntry | undefined> {
    const start = position * DIRECTORY_ENTRY_BYTES;
    const got = await this.readDirectoryBytes(index, ref, {
      start,
      end: start + DIRECTORY_ENTRY_BYTES,
    });
    return got && decodeDirectoryEntry(got);
  }

  /** Bytes `span` of segment `ref`'s directory (a ranged read); `undefined` without one. */
  readDirectoryBytes(index: IndexRecord, ref: SegmentRef, span: Span) {
    return this.blobs.getRange(segmentKeys(index, ref.id).directory, span.start, span.end);
  }

  /** The JSON value at `span` of segment `ref`'s manifest (a ranged read). */
  async readManifestSpan(index: IndexRecord, ref: SegmentRef, span: Span): Promise<unknown> {
    const key = segmentKeys(index, ref.id).manifest;
    const got = await this.blobs.getRange(key, span.start, span.end);
    if (!got) throw new MissingSegmentError(`segment manifest ${key} is missing from storage`);
    return JSON.parse(Buffer.from(got.buffer, got.byteOffset, got.byteLength).toString("utf8"));
  }

  /**
   * A segment's manifest (ids, metadata, deletions), read whole; `MissingSegmentError` when it is
   * gone.
   */
  async readManifest(index: IndexRecord, ref: SegmentRef): Promise<SegmentManifest> {
    const key = segmentKeys(index, ref.id).manifest;
    const bytes = await this.blobs.get(key);
    if (!bytes) throw new MissingSegmentError(`segment manifest ${key} is missing from storage`);
    return JSON.parse(Buffer.from(bytes).toString("utf8")) as ManifestFile;
  }

  /** A segment's id digest; `MissingSegmentError` when it is gone. */
  async readDigest(index: IndexRecord, ref: SegmentRef): Promise<IdDigest> {
    const key = segmentKeys(index, ref.id).digest;
    const bytes = await this.blobs.get(key);
    if (!bytes) throw new MissingSegmentError(`segment id digest ${key} is missing from storage`);
    return decodeDigest(bytes);
  }

  /** A segment with its values and every word's version. */
  async read(index: IndexRecord, ref: SegmentRef): Promise<VersionedSegment> {
    const [manifest, values] = await Promise.all([
      this.readManifest(index, ref),
      ref.vectors > 0 ? this.readValues(index, ref) : Promise.resolve(new Float32Array()),
    ]);
    return withVersions({ ...manifest, values }, ref.min_version);
  }

  /** The values of row `row` of a segment, read alone (a ranged read). */
  async readRow(index: IndexRecord, ref: SegmentRef, row: number): Promise<Float32Array> {
    const key = segmentKeys(index, ref.id).values;
    const bytes = 4 * index.dimension;
    const got = await this.blobs.getRange(key, row * bytes, (row + 1) * bytes);
    if (!got) throw new MissingSegmentError(`segment values ${key} are missing from storage`);
    if (got.byteLength !== bytes) {
      throw new Error(
        `segment values ${key} gave ${got.byteLength} bytes for row ${row}, expected ${bytes}`,
      );
    }
    return decodeValues(got, index.dimension);
  }

  private async readValues(index: IndexRecord, ref: SegmentRef): Promise<Float32Array> {
    const key = segmentKeys(index, ref.id).values;
    const bytes = await this.blobs.get(key);
    if (!bytes) throw new MissingSegmentError(`segment values ${key} are missing from storage`);
    return decodeValues(bytes, ref.vectors * index.dimension);
  }
}

/** A request's segment reference as committed at `version` (all its words carry it). */
export function committedAt(ref: SegmentRef, version: number): SegmentRef {
  return { ...ref, min_version: version, max_version: version };
}
