import type { SegmentRef } from "./segment";

/**
 * Size-tiered compaction of an index's segment list (LSM style). Every write appends a small
 * segment; a run of `fanout` adjacent segments of the same size tier is merged into one segment of
 * the next tier. A vector is therefore rewritten about log_fanout(maxSegmentBytes / batch) times
 * over its life, whatever the index size, and the list holds at most about fanout - 1 segments
 * per tier plus the full ones. Segments are only ever merged with their neighbours, so the order
 * of writes (a later word wins) is kept.
 *
 * A merge reads its inputs whole, so no merge produces more than `maxSegmentBytes`: a compaction
 * holds at most that much, whatever the index size. Segments that cannot merge further (full
 * ones) keep rows that later writes replaced or deleted; when the index stores many more rows
 * than it has live ones, a full segment with many such dead rows is rewritten alone (a purge).
 */
export interface CompactionPolicy {
  /** Adjacent segments of one tier merged at once. */
  readonly fanout: number;
  /** Largest segment a merge may produce, in bytes. */
  readonly maxSegmentBytes: number;
  /** Size of the smallest tier, in bytes: tier t holds segments of base × fanout^t or more. */
  readonly baseBytes: number;
  /** Purge when stored rows exceed live rows × (1 + slack) + minDead. */
  readonly purgeSlack: number;
  /** Dead rows a purge needs besides `purgeSlack`'s share (see `purgeDue`). */
  readonly purgeMinDead: number;
  /** A list longer than this merges its smallest adjacent pair even across tiers. */
  readonly maxSegments: number;
  /**
   * Full segments at the head of the catalog item's own list that are moved into an immutable
   * list object at once (a fold; see `IndexRecord.segmentList`). Full segments never merge
   * again, so the item keeps fewer than this many of them, plus the segments still merging.
   */
  readonly foldFull: number;
  /**
   * Whether compaction folds (default `true`). `false` is for rolling back to code from before
   * folds: nothing folds, and compaction moves every listed segment back into the item.
   */
  readonly folds: boolean;
}

/**
 * The compaction of every index (the wiring sets only `folds`, from `settings.catalogFolds`):
 * merges of 4 segments, up to 64 MiB; a base tier of 64 KiB; purges past 50% more stored rows than
 * live ones plus 10,000; folds of 8 full segments.
 */
export const DEFAULT_COMPACTION: CompactionPolicy = {
  fanout: 4,
  maxSegmentBytes: 64 * 1024 * 1024,
  baseBytes: 64 * 1024,
  purgeSlack: 0.5,
  purgeMinDead: 10_000,
  maxSegments: 256,
  foldFull: 8,
  folds: true,
};

/**
 * The size tier of a segment of `bytes`: 0 up to `policy.baseBytes × fanout`, then one more per
 * factor of `fanout`.
 */
export function tierOf(bytes: number, policy: CompactionPolicy): number {
  const ratio = Math.max(1, bytes / policy.baseBytes);
  return Math.floor(Math.log(ratio) / Math.log(policy.fanout) + 1e-9);
}

/** A segment too big to merge with a same-tier neighbour without passing the cap. */
export function isFull(ref: SegmentRef, policy: CompactionPolicy): boolean {
  return ref.bytes * policy.fanout > policy.maxSegmentBytes;
}

/**
 * The next merge: the oldest run of `fanout` adjacent segments of one tier (together within the
 * cap, none full), as `[start, end)` positions. Should tiers ever interleave so that the list
 * passes `maxSegments` without such a run, the adjacent pair with the fewest bytes (within the
 * cap) is merged instead. `null` when nothing is due.
 */
export function planMerge(
  refs: readonly SegmentRef[],
  policy: CompactionPolicy,
): { start: number; end: number } | null {
  const tiers = refs.map((r) => tierOf(r.bytes, policy));
  for (let start = 0; start < refs.length; ) {
    let end = start + 1;
    while (end < refs.length && tiers[end] === tiers[start]) end++;
    if (end - start >= policy.fanout) {
      const run = refs.slice(start, start + policy.fanout);
      const bytes = run.reduce((sum, r) => sum + r.bytes, 0);
      if (bytes <= policy.maxSegmentBytes && !run.some((r) => isFull(r, policy))) {
        return { start, end: start + policy.fanout };
      }
    }
    start = end;
  }
  if (refs.length > policy.maxSegments) {
    let best: { start: number; bytes: number } | null = null;
    for (let i = 0; i + 1 < refs.length; i++) {
      const bytes = (refs[i] as SegmentRef).bytes + (refs[i + 1] as SegmentRef).bytes;
      if (bytes <= policy.maxSegmentBytes && (!best || bytes < best.bytes))
        best = { start: i, bytes };
    }
    if (best) return { start: best.start, end: best.start + 2 };
  }
  return null;
}

/** True when the index stores so many more rows than it has live that a purge is due. */
export function purgeDue(
  refs: readonly SegmentRef[],
  liveCount: number,
  policy: CompactionPolicy,
): boolean {
  const stored = refs.reduce((sum, r) => sum + r.vectors, 0);
  return stored > liveCount * (1 + policy.purgeSlack) + policy.purgeMinDead;
}

/** The most segments one fold moves (more take several: each is one bounded UpdateItem). */
export const FOLD_BATCH = 64;

/**
 * How many segments a fold should move out of the catalog item: the run of full segments that
 * starts the item's own list (after the `listed` ones already in a list object), when it holds
 * at least `policy.foldFull`, and at most {@link FOLD_BATCH}; otherwise (or when `policy.folds` is
 * off) 0.
 */
export function foldable(
  refs: readonly SegmentRef[],
  listed: number,
  policy: CompactionPolicy,
): number {
  if (!policy.folds) return 0;
  let end = listed;
  while (end < refs.length && isFull(refs[end] as SegmentRef, policy)) end++;
  return end - listed >= policy.foldFull ? Math.min(end - listed, FOLD_BATCH) : 0;
}
