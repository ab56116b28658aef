import pLimit from "p-limit";
import { DigestFilter } from "../domain/digest-filter";
import {
  type HashFilter,
  type IdDigest,
  idHash,
  latestWord,
  positionOf,
  type Word,
} from "../domain/id-digest";
import { segmentOfVersion } from "../domain/id-directory";
import type { IndexRecord } from "../domain/index-record";
import type { SegmentRef } from "../domain/segment";
import { ByteBudget } from "./byte-budget";
import { type Found, HashFileReader } from "./hash-file-reader";
import { IdLookups } from "./id-lookups";
import { type LivePage, listLive } from "./live-listing";
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

/** How many digests one load reads at once. */
const DIGEST_CONCURRENCY = 16;

/**
 * A warm instance's id digests of the indexes it writes to, one per segment (immutable, so kept
 * until a compaction replaces the segment): a write reads only the digests of segments it has not
 * seen, never the index's rows. See {@link IdDigest}.
 */
export class LiveState {
  /** index uid -> segment id -> its digest, and the filter built from it once needed. */
  private readonly digests = new Map<string, Map<string, Pending>>();

  /** What the indexes' id directories answer. */
  private readonly lookups: IdLookups;

  /**
   * @param budget the instance's cache budget (default: a budget of its own): an index's digests
   *   count as 8 bytes per word plus their filters' bytes once built (cache `digests`; 10 bits
   *   per word), and those used least recently are given up past it, and read again when next
   *   needed.
   * @param options.hashes looks hashes up in id directories and digests by ranged reads (default:
   *   one of its own, on `budget`).
   * @param options.directories whether to use the indexes' id directories (default `true`; `false`
   *   when they are off, `settings.idDirectories`: every digest answers).
   */
  constructor(
    private readonly segments: SegmentStore,
    private readonly budget: ByteBudget = new ByteBudget(),
    options: { readonly hashes?: HashFileReader; readonly directories?: boolean } = {},
  ) {
    this.lookups = new IdLookups(
      segments,
      options.hashes ?? new HashFileReader(segments.blobStore, budget),
      options.directories ?? true,
      budget,
    );
  }

  /**
   * What a writer of `ids` needs to know of `record`'s version: its live count and which of `ids`
   * are live (asking about another id throws). When the record has an id directory it can trust
   * (see `directoryCoverage`), the digests of the segments it does not cover answer first, and the
   * directory answers for the ids none of them mentions, by ranged reads; otherwise every
   * segment's digest answers. Digests this instance has not seen are read.
   */
  async view(record: IndexRecord, ids: readonly string[]): Promise<LiveView> {
    const coverage = this.lookups.coverage(record);
    const refs = coverage ? record.segments.slice(coverage.uncoveredFrom) : record.segments;
    // A writer asks about every id it writes, at least twice a write: worth its filters.
    const { digests, filters } = await this.digestsOf(record, refs, true);
    const latest = (h: bigint) => latestWord(digests, h, filters);
    if (!coverage) {
      return { count: record.count, isLive: (id) => latest(idHash(id))?.word === "upserted" };
    }
    const asked = new Set(ids.map(idHash));
    const held = await this.lookups.inDirectory(
      record,
      [...asked].filter((h) => latest(h) === undefined),
    );
    return {
      count: record.count,
      isLive: (id) => {
        const h = idHash(id);
        const word = latest(h);
        if (word) return word.word === "upserted";
        if (!asked.has(h)) {
          throw new RangeError(`id "${id}" was not among the ids this view was made for`);
        }
        return held.has(h);
      },
    };
  }

  /**
   * For each of `ids` (asking about another id throws), the segment of `record` holding the
   * latest word about it (by hashes, which may be another id's of the same 64-bit hash: the
   * segment's own ids confirm it), whether it upserted or deleted it, and the hash's position in
   * the segment's digest (its segment directory's entry; -1 when not worked out: a segment without
   * a directory, read through its manifest); `undefined` when no segment mentions it. With an id
   * directory it can trust, the digests of the segments it does not cover, then the directory
   * (whose version names the segment), then that segment's digest by ranged reads; otherwise every
   * segment's digest.
   */
  async locator(
    record: IndexRecord,
    ids: readonly string[],
  ): Promise<(id: string) => Promise<Located | undefined>> {
    const coverage = this.lookups.coverage(record);
    // Reads by id ask about at most 100 ids: the filters a writer here built, none built for them.
    const refs = coverage ? record.segments.slice(coverage.uncoveredFrom) : record.segments;
    const from = coverage?.uncoveredFrom ?? 0;
    const { digests, filters } = await this.digestsOf(record, refs, false);
    const asked = new Set(ids.map(idHash));
    const live = coverage
      ? await this.lookups.inDirectory(
          record,
          [...asked].filter((h) => !latestWord(digests, h, filters)),
        )
      : new Map<bigint, Found>();
    return async (id) => {
      const h = idHash(id);
      const word = latestWord(digests, h, filters);
      if (word) {
        const segment = from + word.segment;
        return { ...word, segment, ref: record.segments[segment] as SegmentRef };
      }
      if (!coverage) return undefined;
      if (!asked.has(h)) {
        throw new RangeError(`id "${id}" was not among the ids this locator was made for`);
      }
      const at = live.get(h);
      if (!at) return undefined;
      const segment = segmentOfVersion(record.segments, from, at.version);
      const ref = record.segments[segment];
      // Not where the directory says (it cannot be, short of a bug): -1 reads the manifest, whose
      // ids settle it.
      if (!ref)
        return {
          segment: 0,
          word: "upserted",
          position: -1,
          ref: record.segments[0] as SegmentRef,
        };
      const held = this.digests.get(record.uid)?.get(ref.id)?.done?.digest;
      return {
        segment,
        word: "upserted",
        // The digest this instance holds, if it does (read for a listing); else ranged reads.
        position: held
          ? positionOf(held.upserted, h)
          : await this.lookups.positionIn(record, ref, h),
        ref,
      };
    };
  }

  /**
   * The next `limit` live ids of `record` after hash `after`, in hash order (see
   * {@link listLive}), from the digests this instance keeps or reads.
   */
  liveIds(record: IndexRecord, after: bigint | null, limit: number): Promise<LivePage> {
    const digests = async (refs: readonly SegmentRef[]) =>
      (await this.digestsOf(record, refs, false)).digests;
    return listLive({ digests, lookups: this.lookups }, record, after, limit);
  }

  /** Forgets an index incarnation (deleted). */
  forget(uid: string): void {
    this.digests.delete(uid);
    this.budget.forget(`digests/${uid}`);
    this.lookups.forget(uid);
  }

  /**
   * The digests of segments `refs` of `record` (in their order), kept or read, and their filters:
   * those built, and, when `build`, the others built now (a filter costs about twice its digest's
   * decoding, once per instance: a loss for a single read, a gain for a writer's every id).
   */
  private async digestsOf(
    record: IndexRecord,
    refs: readonly SegmentRef[],
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
      refs.map((ref) => {
        let entry = cache.get(ref.id);
        if (!entry) {
          const read = limit(
            async (): Promise<Filtered> => ({
              digest: await this.segments.readDigest(record, ref),
            }),
          );
          const pending: Pending = { read };
          read.then(
            (filtered) => {
              pending.done = filtered;
            },
            () => cache.delete(ref.id),
          );
          entry = pending;
          cache.set(ref.id, entry);
        }
        return entry.read;
      }),
    );
    if (build) for (const entry of kept) entry.filter ??= new DigestFilter(entry.digest);
    // Every digest kept of the index counts, those another caller read too.
    let bytes = 0;
    for (const entry of cache.values()) {
      const done = entry.done;
      if (!done) continue;
      const words = done.digest.upserted.length + done.digest.deleted.length;
      bytes += 8 * words + (done.filter?.byteLength ?? 0);
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

/** A digest being read, and once read, what it is. */
interface Pending {
  readonly read: Promise<Filtered>;
  done?: Filtered;
}

/** A segment's digest, with the filter built from it once a writer needed it. */
interface Filtered {
  readonly digest: IdDigest;
  filter?: DigestFilter;
}

/** The filter of a digest whose filter is not built: it may hold anything. */
const UNFILTERED: HashFilter = { mayHold: () => true };
