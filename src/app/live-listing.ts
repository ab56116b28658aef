import { firstAbove, type IdDigest } from "../domain/id-digest";
import { type ListedWord, nextLiveIds } from "../domain/id-listing";
import type { IndexRecord } from "../domain/index-record";
import type { SegmentRef } from "../domain/segment";
import type { IdLookups } from "./id-lookups";
import type { Located } from "./live-state";

/** A live id of a listing page (see {@link listLive}), named by a segment. */
export interface SegmentListed extends Located {
  /** The id's 64-bit hash (the listing's order). */
  readonly hash: bigint;
  /** Its segment's digest counts (where the segment's directory keeps its names). */
  readonly digest: { readonly upserted: number; readonly words: number };
}

/** A live id of a listing page named by the index's id directory. */
export interface DirectoryListed {
  /** The id's 64-bit hash (the listing's order). */
  readonly hash: bigint;
  /** The id, from the directory's names. */
  readonly name: string;
}

/** A live id of a listing page. */
export type ListedId = SegmentListed | DirectoryListed;

/** A page of {@link listLive}. */
export interface LivePage {
  /** Its ids, in hash order. */
  readonly items: ListedId[];
  /** Whether more live ids follow. */
  readonly more: boolean;
}

/** What a listing page reads from. */
export interface LiveSources {
  /** The digests of segments `refs` of the record, in their order (kept or read). */
  digests(refs: readonly SegmentRef[]): Promise<IdDigest[]>;
  /** What the record's id directory answers. */
  readonly lookups: IdLookups;
}

/** Entries of the id directory a listing page needs past its size, first (some may be gone). */
const RUN_SLACK = 64;

/**
 * Pages' worth of the id directory a listing reads at once (and keeps, for the pages that
 * follow): a whole listing then reads the directory in runs of 8 pages, not a run a page.
 */
const READ_AHEAD_PAGES = 8;

/**
 * The next `limit` live ids of `record` after hash `after`, in hash order, each named by its
 * latest word (see {@link nextLiveIds}), and whether more follow. With an id directory it can
 * trust and that holds names, the digests of the segments it does not cover and a run of the
 * directory's entries from `after` on (by ranged reads; a longer run until the page is settled,
 * as the newer segments may delete some); otherwise every segment's digest.
 */
export async function listLive(
  sources: LiveSources,
  record: IndexRecord,
  after: bigint | null,
  limit: number,
): Promise<LivePage> {
  const coverage = sources.lookups.coverage(record);
  if (!coverage || !record.idDirectory?.names) {
    const digests = await sources.digests(record.segments);
    const page = nextLiveIds(digests, after, limit);
    const items = page.items.map((w) => segmentListed(record, digests[w.segment], w.segment, w));
    return { items, more: page.more };
  }
  const from = coverage.uncoveredFrom;
  const digests = await sources.digests(record.segments.slice(from));
  const ahead = READ_AHEAD_PAGES * limit + RUN_SLACK;
  for (let need = limit + RUN_SLACK; ; need *= 2) {
    const run = await sources.lookups.directoryRun(record, after, need, ahead);
    // Hashes past the run's last are not settled yet: the newer segments' too are cut there.
    const cut = run.atEnd ? undefined : run.hashes[run.hashes.length - 1];
    const directory: IdDigest = { upserted: run.hashes, deleted: new BigUint64Array() };
    const page = nextLiveIds([directory, ...digests.map((d) => upTo(d, cut))], after, limit);
    if (!run.atEnd && !(page.items.length === limit && page.more)) continue;
    const items = page.items.map(
      (w): ListedId =>
        w.segment === 0
          ? { hash: w.hash, name: run.names[w.position] as string }
          : segmentListed(record, digests[w.segment - 1], from + w.segment - 1, w),
    );
    return { items, more: page.more };
  }
}

/** The hashes of `digest` up to `last` (all of them when `undefined`), its positions kept. */
function upTo(digest: IdDigest, last: bigint | undefined): IdDigest {
  if (last === undefined) return digest;
  return {
    upserted: digest.upserted.subarray(0, firstAbove(digest.upserted, last)),
    deleted: digest.deleted.subarray(0, firstAbove(digest.deleted, last)),
  };
}

/** Listing item `w`, from the digest of `record`'s segment at position `segment`. */
function segmentListed(
  record: IndexRecord,
  digest: IdDigest | undefined,
  segment: number,
  w: ListedWord,
): SegmentListed {
  const upserted = (digest as IdDigest).upserted.length;
  return {
    ...w,
    segment,
    ref: record.segments[segment] as SegmentRef,
    digest: { upserted, words: upserted + (digest as IdDigest).deleted.length },
  };
}
