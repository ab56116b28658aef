import { describe, expect, it } from "vitest";
import { hnswConfigSchema } from "../../src/domain/hnsw-config";
import { seededSample } from "../../src/domain/seeded-random";
import { bestTrial, type Trial } from "../../src/domain/trial";
import { percentile, queryRecall } from "../../src/domain/trial-metrics";

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
    expect(queryRecall([1, 2, 3], [3, 2, 1])).toBe(1);
    expect(queryRecall([1, 9, 8, 2], [1, 2, 3, 4])).toBe(0.5);
    expect(queryRecall([], [1, 2])).toBe(0);
    expect(queryRecall([5], [])).toBe(1);
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
