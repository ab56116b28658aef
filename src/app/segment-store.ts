import { randomUUID } from "node:crypto";
import { segmentStem } from "../../infra/storage";
import { decodeDigest, digestOf, encodeDigest, type IdDigest } from "../domain/id-digest";
import type { IndexRecord } from "../domain/index-record";
import {
  decodeValues,
  encodeValues,
  type Segment,
  type SegmentManifest,
  type SegmentRef,
  type VersionedSegment,
  versionRange,
  withVersions,
} from "../domain/segment";
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

/** The object keys of a segment. */
export function segmentKeys(index: Pick<IndexRecord, "name" | "uid">, id: string) {
  const stem = segmentStem(index, id);
  return { values: `${stem}.f32`, manifest: `${stem}.json`, digest: `${stem}.ids` };
}

/**
 * Segments on a {@link BlobStore}: `<stem>.json` holds ids, metadata, versions and deletions,
 * `<stem>.f32` the values (absent when the segment only deletes), `<stem>.ids` its id digest.
 * The manifest goes last: a segment without one was never finished (and no catalog names it).
 */
export class SegmentStore {
  constructor(private readonly blobs: BlobStore) {}

  /**
   * Writes a segment's objects and returns its catalog reference. A segment of one request has
   * no versions yet (`pending`): they are the data_version its commit gets (see
   * {@link committedAt}); a merged segment carries every word's own version.
   */
  async write(index: IndexRecord, segment: Segment | VersionedSegment): Promise<SegmentRef> {
    const id = randomUUID();
    const keys = segmentKeys(index, id);
    const manifest: ManifestFile = {
      format: 2,
      dimension: index.dimension,
      ids: segment.ids,
      metadata: segment.metadata,
      deleted: segment.deleted,
      ...(segment.versions ? { versions: segment.versions } : {}),
      ...(segment.deleted_versions ? { deleted_versions: segment.deleted_versions } : {}),
    };
    const manifestText = JSON.stringify(manifest);
    const values = encodeValues(segment.values);
    try {
      // Both settle before any cleanup, so a failed put never races a late one.
      const puts = await Promise.allSettled([
        segment.ids.length > 0
          ? this.blobs.put(keys.values, values, "application/octet-stream")
          : Promise.resolve(),
        this.blobs.put(keys.digest, encodeDigest(digestOf(segment)), "application/octet-stream"),
      ]);
      const failed = puts.find((p) => p.status === "rejected");
      if (failed) throw failed.reason;
      await this.blobs.put(keys.manifest, manifestText, "application/json");
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
      bytes: values.byteLength + Buffer.byteLength(manifestText),
      ...range,
    };
  }

  /** Removes a segment's objects (one that never made it into the catalog, or was replaced). */
  async discard(index: IndexRecord, ref: Pick<SegmentRef, "id">): Promise<void> {
    const keys = segmentKeys(index, ref.id);
    await this.blobs.deleteKeys([keys.manifest, keys.values, keys.digest]);
  }

  async readManifest(index: IndexRecord, ref: SegmentRef): Promise<SegmentManifest> {
    const key = segmentKeys(index, ref.id).manifest;
    const bytes = await this.blobs.get(key);
    if (!bytes) throw new MissingSegmentError(`segment manifest ${key} is missing from storage`);
    return JSON.parse(Buffer.from(bytes).toString("utf8")) as ManifestFile;
  }

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
