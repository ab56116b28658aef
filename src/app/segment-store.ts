import { randomUUID } from "node:crypto";
import { segmentStem } from "../../infra/storage";
import type { IndexRecord } from "../domain/index-record";
import {
  decodeValues,
  encodeValues,
  type Segment,
  type SegmentManifest,
  type SegmentRef,
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
  readonly format: 1;
  readonly dimension: number;
}

/**
 * Segments on a {@link BlobStore}: `<prefix>segments/<id>.json` holds ids, metadata and deletions;
 * `<prefix>segments/<id>.f32` holds the values (absent when the segment only deletes).
 */
export class SegmentStore {
  constructor(private readonly blobs: BlobStore) {}

  /** Writes a segment's blobs (values first, manifest last) and returns its catalog reference. */
  async write(index: IndexRecord, segment: Segment): Promise<SegmentRef> {
    const ref: SegmentRef = {
      id: randomUUID(),
      vectors: segment.ids.length,
      deletes: segment.deleted.length,
    };
    const base = this.base(index, ref);
    if (ref.vectors > 0) {
      await this.blobs.put(`${base}.f32`, encodeValues(segment.values), "application/octet-stream");
    }
    const manifest: ManifestFile = {
      format: 1,
      dimension: index.dimension,
      ids: segment.ids,
      metadata: segment.metadata,
      deleted: segment.deleted,
    };
    await this.blobs.put(`${base}.json`, JSON.stringify(manifest), "application/json");
    return ref;
  }

  /** Removes a segment that never made it into the catalog. */
  async discard(index: IndexRecord, ref: SegmentRef): Promise<void> {
    const base = this.base(index, ref);
    await this.blobs.deleteKeys([`${base}.json`, `${base}.f32`]);
  }

  async readManifest(index: IndexRecord, ref: SegmentRef): Promise<SegmentManifest> {
    const key = `${this.base(index, ref)}.json`;
    const bytes = await this.blobs.get(key);
    if (!bytes) throw new MissingSegmentError(`segment manifest ${key} is missing from storage`);
    return JSON.parse(Buffer.from(bytes).toString("utf8")) as ManifestFile;
  }

  async read(index: IndexRecord, ref: SegmentRef): Promise<Segment> {
    const [manifest, values] = await Promise.all([
      this.readManifest(index, ref),
      ref.vectors > 0 ? this.readValues(index, ref) : Promise.resolve(new Float32Array()),
    ]);
    return { ...manifest, values };
  }

  private async readValues(index: IndexRecord, ref: SegmentRef): Promise<Float32Array> {
    const key = `${this.base(index, ref)}.f32`;
    const bytes = await this.blobs.get(key);
    if (!bytes) throw new MissingSegmentError(`segment values ${key} are missing from storage`);
    return decodeValues(bytes, ref.vectors * index.dimension);
  }

  private base(index: IndexRecord, ref: SegmentRef): string {
    return segmentStem(index, ref.id);
  }
}
