import pLimit from "p-limit";
import type { IndexRecord } from "../domain/index-record";
import { decodeNames, namesSpan } from "../domain/name-list";
import { decodeCursor, encodeCursor } from "../domain/page-token";
import type { SegmentRef } from "../domain/segment";
import { namesLayout } from "../domain/segment-directory";
import type { SegmentListed } from "./live-listing";
import type { LiveState } from "./live-state";
import type { ManifestCache } from "./manifest-cache";
import { MissingSegmentError, type SegmentStore } from "./segment-store";

/** Storage reads one page makes at once. */
const READ_CONCURRENCY = 16;

/** A page of {@link listIds}: ids in hash order, the last one's hash, and whether more follow. */
export interface IdPage {
  /** The page's ids. */
  readonly ids: string[];
  /** The hash of its last id (where the next page starts); `undefined` when empty. */
  readonly last: bigint | undefined;
  /** Whether more ids follow. */
  readonly more: boolean;
}

/**
 * The next `limit` live ids of `record`'s version after hash `after` (`null`: from the start), in
 * the order of their hashes (see `listLive`): the index's id directory names those it holds; each
 * segment the others come from names them, through its directory (the block index of its names,
 * kept by `manifests`, then one ranged read of the page's run of names) or its manifest and the
 * hash order of its ids (both kept by `manifests`). Never a read of the index's values. Throws
 * `MissingSegmentError` when a compaction replaced a segment.
 */
export async function listIds(
  live: LiveState,
  segments: SegmentStore,
  manifests: ManifestCache,
  record: IndexRecord,
  after: bigint | null,
  limit: number,
): Promise<IdPage> {
  const page = await live.liveIds(record, after, limit);
  const bySegment = new Map<string, SegmentListed[]>();
  const named = new Map<bigint, string>();
  for (const item of page.items) {
    if ("name" in item) {
      named.set(item.hash, item.name);
      continue;
    }
    const group = bySegment.get(item.ref.id) ?? [];
    group.push(item);
    bySegment.set(item.ref.id, group);
  }
  const io = pLimit(READ_CONCURRENCY);
  /** The names of a page's ids from the segment's manifest, by their digest positions. */
  const fromManifest = async (ref: SegmentRef, items: SegmentListed[]) => {
    const [manifest, order] = await io(() =>
      Promise.all([manifests.get(record, ref), manifests.hashOrder(record, ref)]),
    );
    for (const item of items)
      named.set(item.hash, manifest.ids[order[item.position] as number] as string);
  };
  /** The names of a run of the segment's digest (a page's ids from it, in hash order). */
  const fromDirectory = async (ref: SegmentRef, items: SegmentListed[]) => {
    const first = items[0] as SegmentListed;
    const layout = namesLayout(first.digest.upserted, first.digest.words);
    const index = await io(() => manifests.namesIndex(record, ref, layout.index));
    if (!index) return false; // written before directories
    const to = (items.at(-1) as SegmentListed).position + 1;
    const run = namesSpan(index, layout.namesStart, first.position, to);
    const bytes = await io(() => segments.readDirectoryBytes(record, ref, run.span));
    if (!bytes) throw new MissingSegmentError(`segment ${ref.id} of "${record.name}" is gone`);
    const names = decodeNames(bytes);
    for (const item of items) named.set(item.hash, names[item.position - run.first] as string);
    return true;
  };
  await Promise.all(
    [...bySegment.values()].map(async (items) => {
      const ref = (items[0] as SegmentListed).ref;
      const viaDirectory = manifests.viaDirectory(record, ref) && (await fromDirectory(ref, items));
      if (!viaDirectory) await fromManifest(ref, items);
    }),
  );
  return {
    ids: page.items.map((item) => named.get(item.hash) as string),
    last: page.items.at(-1)?.hash,
    more: page.more,
  };
}

/** The id hash a listing resumes after: none without a token, else the token's (400 if bad). */
export function pageAfter(token: string | undefined): bigint | null {
  if (token === undefined) return null;
  const { after } = decodeCursor(token, {
    after: (v) => typeof v === "string" && /^[0-9a-f]{1,16}$/.test(v),
  });
  return BigInt(`0x${after as string}`);
}

/** The `next_token` of a page: its last hash, when more ids follow. */
export function nextPageToken(page: IdPage): string | undefined {
  return page.more && page.last !== undefined
    ? encodeCursor({ after: page.last.toString(16) })
    : undefined;
}
