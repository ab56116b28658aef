import pLimit from "p-limit";
import { DigestFilter } from "../domain/digest-filter";
import { type HashFilter, type IdDigest, idHash, latestWord, type Word } from "../domain/id-digest";
import { nextLiveIds } from "../domain/id-listing";
import type { IndexRecord } from "../domain/index-record";
import type { SegmentRef } from "../domain/segment";
import { ByteBudget } from "./byte-budget";
import type { SegmentStore } from "./segment-store";

/** Which ids of an index version are live, as a writer needs to know. */
export interface LiveView {
  /** Live ids before the write. */
  readonly count: number;
  /** Whether `id` is live before the write. */
  isLive(id: string): boolean;
}

/** The latest word about an id (see {@link LiveState.locator}), with its segment's reference. */
export interface Located extends Word {
  /** The segment holding that word. */
  readonly ref: SegmentRef;
}

/** A live id of a listing page (see {@link LiveState.liveIds}). */
export interface ListedId extends Located {
  /** The id's 64-bit hash (the listing's order). */
  readonly hash: bigint;
  /** Its segment's digest counts (where the segment's directory keeps its names). */
  readonly digest: { readonly upserted: number; readonly words: number };
}

/** How many digests one load reads at once. */
const DIGEST_CONCURRENCY = 16;

/**
 * A warm instance's id digests of the indexes it writes to, one per segment (immutable, so kept
 * until a compaction replaces the segment): a write reads only the digests of segments it has not
 * seen, never the index's rows. See {@link IdDigest}.
 */
export class LiveState {
  /** index uid -> segment id -> its digest, and the filter built from it once needed. */
  private readonly digests = new Map<string, Map<string, Promise<Filtered>>>();

  /**
   * @param budget the instance's cache budget (default: a budget of its own): an index's digests
   *   count as 8 bytes per word plus their filters' bytes once built (cache `digests`; 10 bits
   *   per word), and those used least recently are given up past it, and read again when next
   *   needed.
   */
  constructor(
    private readonly segments: SegmentStore,
    private readonly budget: ByteBudget = new ByteBudget(),
  ) {}

  /**
   * What a writer needs to know of `record`'s version: its live count and which ids are live (reads
   * the digests of segments this instance has not seen).
   */
  async view(record: IndexRecord): Promise<LiveView> {
    // A writer asks about every id it writes, at least twice a write: worth its filters.
    const { digests, filters } = await this.digestsOf(record, true);
    return {
      count: record.count,
      isLive: (id) => latestWord(digests, idHash(id), filters)?.word === "upserted",
    };
  }

  /**
   * For each id, the segment of `record` holding the latest word about it by its digest (which
   * may be another id's of the same 64-bit hash: the segment's own ids confirm it), whether it
   * upserted or deleted it, and the hash's position in the digest (its segment directory's
   * entry); `undefined` when no segment mentions it. The digests are gathered once.
   */
  async locator(record: IndexRecord): Promise<(id: string) => Located | undefined> {
    // Reads by id ask about at most 100 ids: the filters a writer here built, none built for them.
    const { digests, filters } = await this.digestsOf(record, false);
    return (id) => {
      const found = latestWord(digests, idHash(id), filters);
      return found && { ...found, ref: record.segments[found.segment] as SegmentRef };
    };
  }

  /**
   * The next `limit` live ids of `record` after hash `after`, in hash order, each named by its
   * latest word (see {@link nextLiveIds}), and whether more follow.
   */
  async liveIds(
    record: IndexRecord,
    after: bigint | null,
    limit: number,
  ): Promise<{ items: ListedId[]; more: boolean }> {
    const { digests } = await this.digestsOf(record, false);
    const page = nextLiveIds(digests, after, limit);
    const items = page.items.map((w) => {
      const digest = digests[w.segment] as IdDigest;
      const upserted = digest.upserted.length;
      return {
        ...w,
        ref: record.segments[w.segment] as SegmentRef,
        digest: { upserted, words: upserted + digest.deleted.length },
      };
    });
    return { items, more: page.more };
  }

  /** Forgets an index incarnation (deleted). */
  forget(uid: string): void {
    this.digests.delete(uid);
    this.budget.forget(`digests/${uid}`);
  }

  /**
   * The digests of `record`'s segments (in its order), kept or read, and their filters: those
   * built, and, when `build`, the others built now (a filter costs about twice its digest's
   * decoding, once per instance: a loss for a single read, a gain for a writer's every id).
   */
  private async digestsOf(
    record: IndexRecord,
    build: boolean,
  ): Promise<{ digests: IdDigest[]; filters: HashFilter[] }> {
    let known = this.digests.get(record.uid);
    if (!known) {
      known = new Map();
      this.digests.set(record.uid, known);
    }
    const current = new Set(record.segments.map((ref) => ref.id));
    for (const id of known.keys()) if (!current.has(id)) known.delete(id);
    const limit = pLimit(DIGEST_CONCURRENCY);
    const cache = known;
    const kept = await Promise.all(
      record.segments.map((ref) => {
        let entry = cache.get(ref.id);
        if (!entry) {
          entry = limit(
            async (): Promise<Filtered> => ({
              digest: await this.segments.readDigest(record, ref),
            }),
          );
          cache.set(ref.id, entry);
          entry.catch(() => cache.delete(ref.id));
        }
        return entry;
      }),
    );
    let bytes = 0;
    for (const entry of kept) {
      if (build) entry.filter ??= new DigestFilter(entry.digest);
      const words = entry.digest.upserted.length + entry.digest.deleted.length;
      bytes += 8 * words + (entry.filter?.byteLength ?? 0);
    }
    this.budget.hold(`digests/${record.uid}`, bytes, () => {
      // Given up only if it is still this map (the index was not forgotten and read again).
      if (this.digests.get(record.uid) !== cache) return false;
      this.digests.delete(record.uid);
      return true;
    });
    return {
      digests: kept.map((k) => k.digest),
      filters: kept.map((k) => k.filter ?? UNFILTERED),
    };
  }
}

/** A segment's digest, with the filter built from it once a writer needed it. */
interface Filtered {
  readonly digest: IdDigest;
  filter?: DigestFilter;
}

/** The filter of a digest whose filter is not built: it may hold anything. */
const UNFILTERED: HashFilter = { mayHold: () => true };
