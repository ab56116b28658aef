import { randomUUID } from "node:crypto";
import { type IndexRef, segmentListKey } from "../../infra/storage";
import type { BlobStore } from "../app/ports";
import type { SegmentRef } from "../domain/segment";

/** Lists an instance keeps parsed (each is immutable, so a kept one is never stale). */
const KEPT_LISTS = 16;

/**
 * The immutable objects that list the oldest segments of an index (see
 * `IndexRecord.segmentList`), in the bucket beside the segments. An object is written once
 * under a new key and never changed, so a read one is kept, by key, for the instance's life
 * (the last {@link KEPT_LISTS}): a warm instance reads a list once per fold, not per request.
 */
export class SegmentLists {
  private readonly kept = new Map<string, Promise<SegmentRef[] | undefined>>();

  constructor(private readonly blobs: BlobStore) {}

  /** Writes `segments` as a new list object of `index`; its key. Durable when it resolves. */
  async write(index: IndexRef, segments: readonly SegmentRef[]): Promise<string> {
    const key = segmentListKey(index, randomUUID());
    await this.blobs.put(key, JSON.stringify({ segments }), "application/json");
    this.keep(key, Promise.resolve([...segments]));
    return key;
  }

  /** The segments listed at `key`, or `undefined` when there is no such object (any more). */
  read(key: string): Promise<SegmentRef[] | undefined> {
    const found = this.kept.get(key);
    if (found) {
      this.kept.delete(key);
      this.kept.set(key, found);
      return found;
    }
    const reading = this.blobs
      .get(key)
      .then((bytes) => (bytes ? parseList(key, bytes) : undefined));
    this.keep(key, reading);
    // A missing object or a failed read is not kept: the next read asks again.
    reading.then(
      (list) => list === undefined && this.kept.delete(key),
      () => this.kept.delete(key),
    );
    return reading;
  }

  /** Deletes a list object nothing points to (a fold that lost its race). */
  discard(key: string): Promise<void> {
    this.kept.delete(key);
    return this.blobs.deleteKeys([key]);
  }

  private keep(key: string, list: Promise<SegmentRef[] | undefined>): void {
    this.kept.set(key, list);
    while (this.kept.size > KEPT_LISTS) {
      this.kept.delete(this.kept.keys().next().value as string);
    }
  }
}

/** Raised when a list object is not what this code writes. */
export class SegmentListFormatError extends Error {
  override readonly name = "SegmentListFormatError";
}

function parseList(key: string, bytes: Uint8Array): SegmentRef[] {
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { segments?: unknown };
  if (!Array.isArray(parsed.segments)) {
    throw new SegmentListFormatError(
      `segment list ${key} holds no "segments" array; expected {"segments": [...]}`,
    );
  }
  return parsed.segments as SegmentRef[];
}
