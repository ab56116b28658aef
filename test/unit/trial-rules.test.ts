import { describe, expect, it } from "vitest";
import { hnswConfigSchema } from "../../src/domain/hnsw-config";
import { measureArms, recallAt, type Searchable } from "../../src/domain/hnsw-measure";
import { seededSample } from "../../src/domain/seeded-random";
import { bestTrial, type Trial } from "../../src/domain/trial";
import { percentile, RecallMean } from "../../src/domain/trial-metrics";

const trial = (id: string, recall: number, p50: number): Trial =>
  ({ trial_id: id, metrics: { recall_at_k: recall, search_latency_p50_us: p50 } }) as Trial;

describe("bestTrial", () => {
  it("takes max recall, then min p50, then the earlier trial", () => {
    const trials = [
      trial("01B", 0.95, 30),
      trial("01A", 0.99, 50),
      trial("01C", 0.99, 40),
      trial("01D", 0.99, 40),
    ];
    expect(bestTrial(trials, 0.9)?.trial_id).toBe("01C");
    expect(bestTrial([trial("01D", 0.99, 40), trial("01C", 0.99, 40)], 0)?.trial_id).toBe("01C");
  });

  it("keeps the gate: nothing below min_recall wins, and none qualifying gives undefined", () => {
    const trials = [trial("01A", 0.89, 1), trial("01B", 0.9, 100)];
    expect(bestTrial(trials, 0.9)?.trial_id).toBe("01B");
    expect(bestTrial(trials, 0.95)).toBeUndefined();
    expect(bestTrial([], 0)).toBeUndefined();
  });
});

describe("trial metrics", () => {
  it("scores recall@k as the share of the exact top-k found", () => {
    const one = (found: number[], truth: number[]) => {
      const mean = new RecallMean();
      mean.add({ rows: found }, truth);
      return mean.value();
    };
    expect(one([1, 2, 3], [3, 2, 1])).toBe(1);
    expect(one([1, 9, 8, 2], [1, 2, 3, 4])).toBe(0.5);
    expect(one([1, 2, 3, 4], [4, 1])).toBe(0.5); // only the first k found count
    expect(one([], [1, 2])).toBe(0);
    expect(one([5], [])).toBe(1);
  });

  it("means recall over queries in one division, so a mean of exactly the target meets it", () => {
    // 24 queries finding 9 of 10 and 26 finding all 10: 476 of 500, exactly 0.952. Summing the
    // per-query recalls gives 0.9519999999999996, under a min_recall of 0.952.
    const mean = new RecallMean();
    const truth = Array.from({ length: 10 }, (_, i) => i);
    const missOne = [...truth.slice(0, 9), 99];
    for (let q = 0; q < 50; q++) mean.add({ rows: q % 2 === 0 && q < 48 ? missOne : truth }, truth);
    expect(mean.value()).toBe(0.952);
    // Per-query recalls 0.9 (24) and 1 (26): sample sd sqrt(24·26/50/49)·0.1, over √50.
    expect(mean.stderr()).toBeCloseTo((Math.sqrt((24 * 26) / 50 / 49) * 0.1) / Math.sqrt(50), 12);
    // Mixed truth lengths (an index smaller than k), and a query with no ground truth (recall 1).
    const mixed = new RecallMean();
    mixed.add({ rows: [1, 2, 7] }, [1, 2, 3]);
    mixed.add({ rows: [4, 8] }, [4, 5]);
    mixed.add({ rows: [] }, []);
    expect(mixed.value()).toBeCloseTo((2 / 3 + 1 / 2 + 1) / 3, 15);
    expect(new RecallMean().value()).toBe(1);
    expect(new RecallMean().stderr()).toBe(0);
    const same = new RecallMean();
    for (let q = 0; q < 5; q++) same.add({ rows: [1, 2] }, [1, 2]);
    expect(same.stderr()).toBe(0);
  });

  it("measures a graph's recall that way", () => {
    // 50 one-value queries; query q's truth is rows q*10..q*10+9; the graph misses the last
    // one for 24 of them.
    const truth = Int32Array.from({ length: 500 }, (_, i) => i);
    const graph: Searchable = {
      setEf: () => {},
      getCurrentCount: () => 500,
      searchKnn: (query, k) => {
        const q = query[0] as number;
        const rows = Array.from({ length: k }, (_, i) => q * 10 + i);
        if (q % 2 === 0 && q < 48) rows[9] = 499 - q;
        return { neighbors: rows, distances: rows.map(() => 0) };
      },
    };
    const queries = {
      data: Float32Array.from({ length: 50 }, (_, q) => q),
      dimension: 1,
      rows: 50,
      excludeRows: new Int32Array(50).fill(-1),
    };
    expect(recallAt(graph, queries, { truth, k: 10 }, 10)).toBe(0.952);
    expect(measureArms([{ graph, efSearch: 10 }], queries, { truth, k: 10 }, 1, 0)[0]?.recall).toBe(
      0.952,
    );
  });

  it("takes nearest-rank percentiles", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 95)).toBe(95);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });
});

describe("seededSample", () => {
  it("is deterministic per seed and picks distinct items", () => {
    const items = Array.from({ length: 50 }, (_, i) => `id${i}`);
    expect(seededSample(items, 10, 42)).toEqual(seededSample(items, 10, 42));
    expect(seededSample(items, 10, 42)).not.toEqual(seededSample(items, 10, 43));
    expect(new Set(seededSample(items, 50, 1)).size).toBe(50);
    expect(seededSample(items, 80, 1)).toHaveLength(50);
  });
});

describe("hnswConfigSchema", () => {
  it("fills m and seed with their defaults and keeps the bounds", () => {
    expect(hnswConfigSchema.parse({ ef_construction: 10, ef_search: 200 })).toEqual({
      ef_construction: 10,
      ef_search: 200,
      m: 16,
      seed: 42,
    });
    expect(hnswConfigSchema.safeParse({ ef_construction: 400, ef_search: 10, m: 96 }).success).toBe(
      true,
    );
    expect(
      hnswConfigSchema.safeParse({ ef_construction: 400, ef_search: 10, m: 96, extra: 1 }).success,
    ).toBe(false);
  });
});
