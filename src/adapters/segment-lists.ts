import { randomUUID } from "node:crypto";
import { type IndexRef, segmentListKey } from "../../infra/storage";
import { BudgetedLoads } from "../app/budgeted-loads";
import { ByteBudget } from "../app/byte-budget";
import type { BlobStore } from "../app/ports";
import type { SegmentRef } from "../domain/segment";

/**
 * The immutable objects that list the oldest segments of an index (see
 * `IndexRecord.segmentList`), in the bucket beside the segments. An object is written once under
 * a new key and never changed, so an instance keeps the one it last read of each index, in the
 * byte budget it shares with its other caches (cache `lists`, about twice the object's JSON): a
 * warm instance reads a list once per fold, not per request.
 */
export class SegmentLists {
  /** Each index's last list, with the size of its JSON (known where the JSON is). */
  private readonly kept: BudgetedLoads<{ segments: SegmentRef[]; bytes: number }>;

  /** @param budget shared with the instance's other caches (default: a budget of its own). */
  constructor(
    private readonly blobs: BlobStore,
    budget: ByteBudget = new ByteBudget(),
  ) {
    this.kept = new BudgetedLoads(budget, "lists", (_, list) => 2 * list.bytes);
  }

  /** Writes `segments` as a new list object of `index`; its key. Durable when it resolves. */
  async write(index: IndexRef, segments: readonly SegmentRef[]): Promise<string> {
    const key = segmentListKey(index, randomUUID());
    const json = JSON.stringify({ segments });
    await this.blobs.put(key, json, "application/json");
    const bytes = Buffer.byteLength(json);
    await this.kept.get(index.uid, key, async () => ({ segments: [...segments], bytes }));
    return key;
  }

  /**
   * The segments listed at `key` (an object of `index`), or `undefined` when there is no such
   * object (any more).
   */
  async read(index: IndexRef, key: string): Promise<SegmentRef[] | undefined> {
    try {
      const list = await this.kept.get(index.uid, key, async () => {
        const bytes = await this.blobs.get(key);
        // Not kept: the next read asks again.
        if (!bytes) throw new ListGone();
        return { segments: parseList(key, bytes), bytes: bytes.byteLength };
      });
      return list.segments;
    } catch (err) {
      if (err instanceof ListGone) return undefined;
      throw err;
    }
  }

  /** Deletes a list object nothing points to (a fold that lost its race). */
  discard(key: string): Promise<void> {
    return this.blobs.deleteKeys([key]);
  }
}

/** Raised when a list object is not what this code writes. */
export class SegmentListFormatError extends Error {
  override readonly name = "SegmentListFormatError";
}

/** A list object that is not in the bucket (internal: a load that keeps nothing). */
class ListGone extends Error {}

function parseList(key: string, bytes: Uint8Array): SegmentRef[] {
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { segments?: unknown };
  if (!Array.isArray(parsed.segments)) {
    throw new SegmentListFormatError(
      `segment list ${key} holds no "segments" array; expected {"segments": [...]}`,
    );
  }
  return parsed.segments as SegmentRef[];
}
