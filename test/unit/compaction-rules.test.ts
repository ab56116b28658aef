import { describe, expect, it } from "vitest";
import {
  type CompactionPolicy,
  DEFAULT_COMPACTION,
  FOLD_BATCH,
  foldable,
  planMerge,
  purgeDue,
  tierOf,
} from "../../src/domain/compaction";
import {
  decodeDigest,
  digestOf,
  encodeDigest,
  idHash,
  latestWord,
} from "../../src/domain/id-digest";
import { type ActiveGeneration, servableFloor, servableWith } from "../../src/domain/index-record";
import type { SegmentRef } from "../../src/domain/segment";

const policy: CompactionPolicy = {
  ...DEFAULT_COMPACTION,
  fanout: 4,
  baseBytes: 100,
  maxSegmentBytes: 100 * 64,
};
let n = 0;
const ref = (bytes: number, vectors = 1): SegmentRef => ({
  id: `s${n++}`,
  vectors,
  deletes: 0,
  bytes,
  min_version: n,
  max_version: n,
});

/** Appends `writes` segments of `bytes`, compacting whenever a merge is due, as the task does. */
function simulate(writes: number, bytes: number) {
  let refs: SegmentRef[] = [];
  let written = 0;
  for (let w = 0; w < writes; w++) {
    refs.push(ref(bytes));
    written += bytes;
    for (let run = planMerge(refs, policy); run; run = planMerge(refs, policy)) {
      const merged = refs.slice(run.start, run.end).reduce((sum, r) => sum + r.bytes, 0);
      written += merged;
      refs = [...refs.slice(0, run.start), ref(merged), ...refs.slice(run.end)];
    }
  }
  return { refs, amplification: written / (writes * bytes) };
}

describe("size-tiered compaction", () => {
  it("puts segments in tiers by size", () => {
    expect([50, 100, 399, 400, 1600, 6399].map((b) => tierOf(b, policy))).toEqual([
      0, 0, 0, 1, 2, 2,
    ]);
  });

  it("merges the oldest run of fanout same-tier neighbours, never across tiers", () => {
    expect(planMerge([ref(400), ref(100), ref(100), ref(100)], policy)).toBeNull();
    expect(planMerge([ref(400), ref(100), ref(100), ref(100), ref(100)], policy)).toEqual({
      start: 1,
      end: 5,
    });
    expect(planMerge([ref(100), ref(400), ref(100), ref(100), ref(100)], policy)).toBeNull();
  });

  it("rewrites a vector O(log N) times and keeps the list short, whatever the index size", () => {
    const small = simulate(64, 100);
    const large = simulate(4096, 100);
    // Full segments (capped at 6,400 bytes, 64 writes) are never rewritten again: amplification
    // stays at 1 + log4(64) = 4 however many writes come.
    expect(small.amplification).toBeLessThanOrEqual(4);
    expect(large.amplification).toBeLessThanOrEqual(4);
    const notFull = large.refs.filter((r) => r.bytes * policy.fanout <= policy.maxSegmentBytes);
    expect(notFull.length).toBeLessThanOrEqual(3 * 3); // at most fanout - 1 per tier
    expect(large.refs.every((r) => r.bytes <= policy.maxSegmentBytes)).toBe(true);
  });

  it("merges across tiers only to keep a pathological list under maxSegments", () => {
    const interleaved = Array.from({ length: 10 }, (_, i) => ref(i % 2 === 0 ? 100 : 400));
    expect(planMerge(interleaved, { ...policy, maxSegments: 20 })).toBeNull();
    expect(planMerge(interleaved, { ...policy, maxSegments: 8 })).toEqual({ start: 0, end: 2 });
  });

  it("folds the run of full segments that starts the catalog item's own list, once it is long enough", () => {
    const full = () => ref(100 * 64);
    const folding = { ...policy, foldFull: 3 };
    const refs = [full(), full(), full(), ref(100), full()];
    // The item holds all five: three full ones start it (the fourth full one is after a small one).
    expect(foldable(refs, 0, folding)).toBe(3);
    expect(foldable(refs, 0, { ...folding, foldFull: 4 })).toBe(0);
    // Two of them are listed already: one full one is left at the item's head.
    expect(foldable(refs, 2, folding)).toBe(0);
    expect(foldable(refs, 5, folding)).toBe(0);
    // A long run goes FOLD_BATCH at a time.
    const many = Array.from({ length: FOLD_BATCH + 5 }, full);
    expect(foldable(many, 0, folding)).toBe(FOLD_BATCH);
    expect(foldable(many, FOLD_BATCH, folding)).toBe(5);
    // Folds off (before a rollback): nothing folds.
    expect(foldable(many, 0, { ...folding, folds: false })).toBe(0);
  });

  it("purges when the index stores many more rows than it has live", () => {
    const refs = [ref(6400, 20_000), ref(6400, 20_000)];
    expect(purgeDue(refs, 30_000, policy)).toBe(false);
    expect(purgeDue(refs, 10_000, policy)).toBe(true);
  });
});

describe("id digests", () => {
  it("round-trip, and tell the latest word about an id across segments", () => {
    const older = digestOf({ ids: ["a", "b"], deleted: [] });
    const newer = decodeDigest(encodeDigest(digestOf({ ids: ["c"], deleted: ["a"] })));
    // Positions count a digest's upserted hashes (sorted), then its deleted ones.
    expect(latestWord([older, newer], idHash("a"))).toEqual({
      segment: 1,
      word: "deleted",
      position: 1,
    });
    expect(latestWord([older, newer], idHash("b"))).toEqual({
      segment: 0,
      word: "upserted",
      position: older.upserted.indexOf(idHash("b")),
    });
    expect(latestWord([older, newer], idHash("zzz"))).toBeUndefined();
    expect(() => decodeDigest(new Uint8Array(12))).toThrow(/expected/);
  });
});

describe("the servable floor (deletions compaction keeps)", () => {
  const active = (data_version: number, previous?: { data_version?: number }) =>
    ({
      generation: 3,
      config: { m: 16, ef_construction: 80, ef_search: 30, seed: 42 },
      data_version,
      activated_at: "2026-01-01T00:00:00.000Z",
      graph_key: "g",
      rows_key: "r",
      ...(previous ? { previous: { graph_key: "pg", rows_key: "pr", ...previous } } : {}),
    }) satisfies ActiveGeneration;

  it("is the previous generation's data version, else the active one's, else 0", () => {
    expect(servableFloor(null)).toBe(0);
    expect(servableFloor(active(9))).toBe(9);
    expect(servableFloor(active(9, { data_version: 4 }))).toBe(4);
    // A record from before the previous data version was kept: only the active data serves.
    expect(servableFloor(active(9, {}))).toBe(9);
  });

  it("lets a generation serve only when built from data at or after it", () => {
    const current = active(9, { data_version: 4 });
    expect(servableWith({ data_version: 4 }, current)).toBe(true);
    expect(servableWith({ data_version: 9 }, current)).toBe(true);
    expect(servableWith({ data_version: 3 }, current)).toBe(false);
    expect(servableWith({ data_version: 0 }, null)).toBe(true);
  });
});
