import type {
  ActiveGeneration,
  IdDirectoryRef,
  IndexRecord,
  SegmentListRef,
} from "../domain/index-record";
import type { MaintenanceSettings } from "../domain/maintenance";
import type { Metric } from "../domain/metric";
import type { SegmentRef } from "../domain/segment";

/** The item as stored: snake_case attributes, keyed by `name`. */
export interface IndexItem {
  /** See `IndexRecord.name` (the partition key). */
  name: string;
  /** See `IndexRecord.uid`. */
  uid: string;
  /** See `IndexRecord.dimension`. */
  dimension: number;
  /** See `IndexRecord.metric`. */
  metric: Metric;
  /** See `IndexRecord.count`. */
  count: number;
  /** See `IndexRecord.dataVersion`. */
  data_version: number;
  /** See `IndexRecord.vectorsWritten` (absent on items from before it: 0). */
  vectors_written?: number;
  /** Every segment, until the item splits (at its first fold); then a note for older code. */
  segments: SegmentRef[] | string;
  /**
   * The oldest segments' list object, once the item has split (one of no segments between the
   * split and the first fold's update).
   */
  segment_list?: StoredListRef;
  /** The segments after those `segment_list` holds, once the item has split. */
  recent_segments?: SegmentRef[];
  /** See `IndexRecord.createdAt`. */
  created_at: string;
  /** See `IndexRecord.updatedAt`. */
  updated_at: string;
  /** See `IndexRecord.active` (absent: none). */
  active?: ActiveGeneration;
  /** See `IndexRecord.maintenance`. */
  maintenance?: Partial<MaintenanceSettings>;
  /** See `IndexRecord.idDirectory` (absent: none). */
  id_directory?: IdDirectoryRef;
}

/** `segment_list` as stored. */
interface StoredListRef {
  key: string;
  count: number;
  /** See `SegmentListRef.unfoldRefusedAt`. */
  unfold_refused_at?: number;
}

/** A new index's item (its segments, if any, all in the item itself). */
export function toItem(r: IndexRecord): IndexItem {
  return {
    name: r.name,
    uid: r.uid,
    dimension: r.dimension,
    metric: r.metric,
    count: r.count,
    data_version: r.dataVersion,
    vectors_written: r.vectorsWritten,
    segments: [...r.segments],
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    ...(r.active ? { active: r.active } : {}),
    ...(r.maintenance ? { maintenance: r.maintenance } : {}),
  };
}

/**
 * The record as the item holds it: its `segments` are the item's own, without those its
 * `segmentList` names (the catalog puts them in front).
 */
export function fromItem(item: IndexItem): IndexRecord {
  return {
    name: item.name,
    uid: item.uid,
    dimension: Number(item.dimension),
    metric: item.metric,
    count: Number(item.count),
    dataVersion: Number(item.data_version),
    vectorsWritten: Number(item.vectors_written ?? 0),
    segments: ownOf(item).map((s) => ({
      id: s.id,
      vectors: Number(s.vectors),
      deletes: Number(s.deletes),
      bytes: Number(s.bytes ?? 0),
      min_version: Number(s.min_version ?? 0),
      max_version: Number(s.max_version ?? 0),
    })),
    ...(item.segment_list ? { segmentList: listRefOf(item.segment_list) } : {}),
    createdAt: item.created_at,
    updatedAt: item.updated_at,
    active: activeOf(item.active),
    ...(item.maintenance ? { maintenance: item.maintenance } : {}),
    ...(item.id_directory
      ? {
          idDirectory: {
            key: item.id_directory.key,
            version: Number(item.id_directory.version),
            live: Number(item.id_directory.live),
            ...(item.id_directory.names === true ? { names: true } : {}),
          },
        }
      : {}),
  };
}

/** A segment list reference as stored (`segment_list`), with its numbers as numbers. */
function listRefOf(stored: StoredListRef): SegmentListRef {
  const { key, count, unfold_refused_at: refused } = stored;
  return {
    key,
    count: Number(count),
    ...(refused === undefined ? {} : { unfoldRefusedAt: Number(refused) }),
  };
}

/** The active generation as stored, with its numbers as numbers. */
export function activeOf(active: ActiveGeneration | undefined): ActiveGeneration | null {
  return active
    ? {
        ...active,
        generation: Number(active.generation),
        data_version: Number(active.data_version),
      }
    : null;
}

/** The segments the item itself holds (see {@link IndexItem}). */
function ownOf(item: IndexItem): SegmentRef[] {
  if (item.segment_list) return item.recent_segments ?? [];
  return Array.isArray(item.segments) ? item.segments : [];
}
