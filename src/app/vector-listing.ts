import pLimit from "p-limit";
import { idHash } from "../domain/id-digest";
import type { IndexRecord } from "../domain/index-record";
import { decodeCursor, encodeCursor } from "../domain/page-token";
import type { SegmentRef } from "../domain/segment";
import type { Span } from "../domain/segment-directory";
import type { LiveState } from "./live-state";
import type { ManifestCache } from "./manifest-cache";
import { parseJson, type SegmentStore } from "./segment-store";

/** Storage reads one page makes at once. */
const READ_CONCURRENCY = 16;

/**
 * The ids of one segment a page names are read with one covering ranged read of its manifest when
 * that read is at most this large (1 MiB), else one ranged read each.
 */
const COVERING_READ_BYTES = 1024 * 1024;

/** A page of {@link listIds}: ids in hash order, the last one's hash, and whether more follow. */
export interface IdPage {
  readonly ids: string[];
  readonly last: bigint | undefined;
  readonly more: boolean;
}

/**
 * The next `limit` live ids of `record`'s version after hash `after` (`null`: from the start), in
 * the order of their hashes (see `nextLiveIds`): the id digests pick them, and each segment they
 * come from names them, through its directory (ranged reads of the entries and the ids) or its
 * manifest (kept by `manifests`). Never a read of the index's values. Throws
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
  const bySegment = new Map<string, { ref: SegmentRef; hash: bigint; position: number }[]>();
  for (const item of page.items) {
    const group = bySegment.get(item.ref.id) ?? [];
    group.push(item);
    bySegment.set(item.ref.id, group);
  }
  const io = pLimit(READ_CONCURRENCY);
  const named = new Map<bigint, string>();
  const fromManifest = async (ref: SegmentRef, hashes: ReadonlySet<bigint>) => {
    const manifest = await io(() => manifests.get(record, ref));
    for (const id of manifest.ids) {
      const h = idHash(id);
      if (hashes.has(h)) named.set(h, id);
    }
  };
  const fromDirectory = async (ref: SegmentRef, items: { hash: bigint; position: number }[]) => {
    // A page's ids of one segment are a run of its digest (hash order), less the dead ones.
    const from = items[0]?.position as number;
    const to = (items.at(-1)?.position as number) + 1;
    const entries = await io(() => segments.readDirectory(record, ref, from, to));
    if (!entries) return false; // written before directories
    const spans = items.map((item) => (entries[item.position - from] as { id: Span }).id);
    const start = Math.min(...spans.map((s) => s.start));
    const end = Math.max(...spans.map((s) => s.end));
    if (end - start <= COVERING_READ_BYTES) {
      const bytes = await io(() => segments.readManifestBytes(record, ref, { start, end }));
      items.forEach((item, i) => {
        const span = spans[i] as Span;
        named.set(
          item.hash,
          parseJson(bytes.subarray(span.start - start, span.end - start)) as string,
        );
      });
    } else {
      await Promise.all(
        items.map(async (item, i) => {
          const id = await io(() => segments.readManifestSpan(record, ref, spans[i] as Span));
          named.set(item.hash, id as string);
        }),
      );
    }
    return true;
  };
  await Promise.all(
    [...bySegment.values()].map(async (items) => {
      const ref = (items[0] as { ref: SegmentRef }).ref;
      const viaDirectory =
        !manifests.kept(record, ref) &&
        segments.hasDirectory(record, ref) &&
        (await fromDirectory(ref, items));
      if (!viaDirectory) await fromManifest(ref, new Set(items.map((i) => i.hash)));
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
