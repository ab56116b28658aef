import type { VersionedSegment } from "./segment";

/**
 * What changed in an index after a graph's data version V: the words written at versions above
 * V, folded (a later word wins). A search over a graph built at V takes the graph's results minus
 * the labels of `touched` ids (deleted or replaced since), merged with an exact scan of `rows`
 * (the live vectors written since); a catch-up marks the touched labels deleted and adds `rows`.
 */
export interface Tail {
  /** Ids with any word after V: their graph labels no longer tell the truth. */
  readonly touched: ReadonlySet<string>;
  /** Live rows written after V, row-major values; row `i` is `ids[i]`. */
  readonly ids: readonly string[];
  /** The data version that wrote each row. */
  readonly versions: Int32Array;
  /** Each row's metadata. */
  readonly metadata: readonly (Record<string, unknown> | null)[];
  /** The rows' values, row-major. */
  readonly values: Float32Array;
  /** Values per row. */
  readonly dimension: number;
}

/** The tail after version `since` of segments (oldest first; only those with newer words matter). */
export function tailSince(
  segments: readonly VersionedSegment[],
  since: number,
  dimension: number,
): Tail {
  // id -> [segment, row] of its latest upsert after `since`, or [segment, -1] for a deletion.
  const last = new Map<string, [number, number]>();
  segments.forEach((segment, s) => {
    segment.ids.forEach((id, r) => {
      if ((segment.versions[r] as number) <= since) return;
      last.delete(id);
      last.set(id, [s, r]);
    });
    segment.deleted.forEach((id, d) => {
      if ((segment.deleted_versions[d] as number) <= since) return;
      last.delete(id);
      last.set(id, [s, -1]);
    });
  });
  const ids: string[] = [];
  const metadata: (Record<string, unknown> | null)[] = [];
  let live = 0;
  for (const [, r] of last.values()) if (r >= 0) live++;
  const versions = new Int32Array(live);
  const values = new Float32Array(live * dimension);
  for (const [id, [s, r]] of last) {
    if (r < 0) continue;
    const segment = segments[s] as VersionedSegment;
    values.set(segment.values.subarray(r * dimension, (r + 1) * dimension), ids.length * dimension);
    versions[ids.length] = segment.versions[r] as number;
    ids.push(id);
    metadata.push(segment.metadata[r] ?? null);
  }
  return { touched: new Set(last.keys()), ids, versions, metadata, values, dimension };
}

/**
 * Words (upserts and deletes) written after `since`, estimated from the catalog alone, so a write
 * can decide whether a catch-up is due without reading anything: a segment whose every word is
 * newer counts whole; one that a compaction merged across `since` counts in proportion to the
 * share of its version range above `since`.
 */
export function pendingEstimate(
  segments: readonly {
    vectors: number;
    deletes: number;
    min_version: number;
    max_version: number;
  }[],
  since: number,
): number {
  let pending = 0;
  for (const s of segments) {
    if (s.max_version <= since) continue;
    const words = s.vectors + s.deletes;
    if (s.min_version > since) pending += words;
    else
      pending += Math.ceil((words * (s.max_version - since)) / (s.max_version - s.min_version + 1));
  }
  return pending;
}
