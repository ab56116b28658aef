import { type CompactionPolicy, isFull } from "../domain/compaction";
import { DigestFilter } from "../domain/digest-filter";
import { type IdDigest, idHash, latestWord } from "../domain/id-digest";
import type { IndexRecord } from "../domain/index-record";
import type { SegmentRef, VersionedSegment } from "../domain/segment";
import type { SegmentStore } from "./segment-store";

/** A full segment rewritten without its dead rows (see {@link purgeDeadRows}). */
export interface PurgedSegment {
  /** Position of the segment in the record's segment list. */
  readonly position: number;
  /** The segment without its dead rows. */
  readonly segment: VersionedSegment;
}

/**
 * The full segment of `record` (full by `policy`) with the most dead rows (rows a later segment
 * replaced or deleted), rewritten without them; `undefined` when no full segment has any.
 * Candidates are found through the id digests (through their filters, since every full
 * segment's words are looked up in all later digests) and confirmed against the later segments'
 * real ids, one manifest at a time: a 64-bit hash shared by two ids never drops a live row.
 */
export async function purgeDeadRows(
  record: IndexRecord,
  segments: SegmentStore,
  policy: CompactionPolicy,
): Promise<PurgedSegment | undefined> {
  const refs = record.segments;
  const digests = await Promise.all(refs.map((ref) => segments.readDigest(record, ref)));
  const filters = digests.map((d) => new DigestFilter(d));
  const laterThan = (s: number) => ({
    digests: digests.slice(s + 1),
    filters: filters.slice(s + 1),
  });
  let target = -1;
  let most = 0;
  refs.forEach((ref, s) => {
    if (!isFull(ref, policy)) return;
    const later = laterThan(s);
    let dead = 0;
    for (const h of (digests[s] as IdDigest).upserted) {
      if (latestWord(later.digests, h, later.filters)) dead++;
    }
    if (dead > most) {
      most = dead;
      target = s;
    }
  });
  if (target < 0) return undefined;
  const segment = await segments.read(record, refs[target] as SegmentRef);
  const later = laterThan(target);
  // Candidates by the later segment that mentions them; confirmed with that segment's ids.
  const byLater = new Map<number, number[]>();
  segment.ids.forEach((id, row) => {
    const word = latestWord(later.digests, idHash(id), later.filters);
    if (word) byLater.set(word.segment, [...(byLater.get(word.segment) ?? []), row]);
  });
  const dead = new Set<number>();
  for (const [k, rows] of byLater) {
    const manifest = await segments.readManifest(record, refs[target + 1 + k] as SegmentRef);
    const mentioned = new Set([...manifest.ids, ...manifest.deleted]);
    for (const row of rows) if (mentioned.has(segment.ids[row] as string)) dead.add(row);
  }
  if (dead.size === 0) return undefined;
  return { position: target, segment: withoutRows(segment, dead, record.dimension) };
}

/** `segment` without the upserted rows in `dead` (its deletions kept). */
function withoutRows(
  segment: VersionedSegment,
  dead: ReadonlySet<number>,
  dimension: number,
): VersionedSegment {
  const keep = segment.ids.map((_, row) => row).filter((row) => !dead.has(row));
  const values = new Float32Array(keep.length * dimension);
  keep.forEach((row, i) => {
    values.set(segment.values.subarray(row * dimension, (row + 1) * dimension), i * dimension);
  });
  return {
    ids: keep.map((row) => segment.ids[row] as string),
    metadata: keep.map((row) => segment.metadata[row] ?? null),
    versions: keep.map((row) => segment.versions[row] as number),
    deleted: segment.deleted,
    deleted_versions: segment.deleted_versions,
    values,
  };
}
