import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exactTopK, inverseNorms, type VectorRows } from "../../src/domain/exact-search";
import { buildGraph, exactNeighbors, type QueryRows } from "../../src/domain/hnsw";
import { measureArms, recallAt } from "../../src/domain/hnsw-measure";
import type { Metric } from "../../src/domain/metric";
import { seededRandom } from "../../src/domain/seeded-random";
import { RecallMean, tieLimit } from "../../src/domain/trial-metrics";
import { truthRadii } from "../../src/domain/truth-radii";
import { prepareQuery } from "../../src/domain/vector-math";

const recallOf = (
  rows: number[],
  distances: number[] | undefined,
  truth: number[],
  radius?: number,
) => {
  const mean = new RecallMean();
  mean.add({ rows, ...(distances && { distances }) }, truth, radius);
  return mean.value();
};

function randomRows(count: number, dimension: number, seed: number): VectorRows {
  const random = seededRandom(seed);
  const data = Float32Array.from({ length: count * dimension }, () => random() - 0.5);
  return { data, dimension, rows: count, inverseNorms: inverseNorms(data, dimension, count) };
}

function queriesOf(rows: VectorRows): QueryRows {
  return { ...rows, excludeRows: new Int32Array(rows.rows).fill(-1) };
}

/**
 * `base` random rows, then `groups` groups of `copies` exact copies of random base rows: data
 * with duplicates, as real corpora of embedded documents have.
 */
function withDuplicates(base: number, groups: number, copies: number, dimension: number) {
  const random = seededRandom(7);
  const count = base + groups * copies;
  const data = new Float32Array(count * dimension);
  for (let i = 0; i < base * dimension; i++) data[i] = random();
  for (let g = 0; g < groups; g++) {
    const source = Math.floor(random() * base);
    const row = data.slice(source * dimension, (source + 1) * dimension);
    for (let c = 0; c < copies; c++) data.set(row, (base + g * copies + c) * dimension);
  }
  return { data, dimension, rows: count };
}

describe("recall counts ties at the k-th distance", () => {
  it("counts a found row outside the truth that is no farther than the truth's farthest", () => {
    // Truth 1, 2, 3 with the farthest at distance 0.5; the search found 1, 9 (a tie), 3.
    expect(recallOf([1, 9, 3], [0.1, 0.5, 0.5], [1, 2, 3], 0.5)).toBe(1);
    // 9 is farther than the radius: not a tie.
    expect(recallOf([1, 9, 3], [0.1, 0.51, 0.5], [1, 2, 3], 0.5)).toBeCloseTo(2 / 3, 15);
    // Within the tolerance (a few ulps of a 32-bit sum) it still ties; past it, it does not.
    expect(recallOf([1, 9], [0.1, tieLimit(0.5)], [1, 2], 0.5)).toBe(1);
    expect(recallOf([1, 9], [0.1, tieLimit(0.5) * (1 + 1e-9)], [1, 2], 0.5)).toBe(0.5);
    expect(tieLimit(0.5)).toBe(0.5 + 1e-5);
    expect(tieLimit(2000)).toBeCloseTo(2000.02, 9);
    // Without distances or a radius, only the truth's own rows count (the rule before ties).
    expect(recallOf([1, 9, 3], undefined, [1, 2, 3], 0.5)).toBeCloseTo(2 / 3, 15);
    expect(recallOf([1, 9, 3], [0.1, 0.5, 0.5], [1, 2, 3])).toBeCloseTo(2 / 3, 15);
    // Only the first k found count, ties or not; "no result" never does.
    expect(recallOf([9, 8, 1], [0.5, 0.5, 0.1], [1, 2], 0.5)).toBe(1);
    expect(recallOf([9, 8, 1], [0.6, 0.6, 0.1], [1, 2], 0.5)).toBe(0);
    expect(recallOf([-1, 1], [0, 0.1], [1, 2], 0.5)).toBe(0.5);
  });

  it("never reads below the id rule nor above 1, and equals it without a radius (property)", () => {
    const answer = fc.record({
      truth: fc.uniqueArray(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 10 }),
      found: fc.uniqueArray(
        fc.record({
          row: fc.integer({ min: 0, max: 30 }),
          distance: fc.double({ min: 0, max: 2, noNaN: true }),
        }),
        { selector: (f) => f.row, maxLength: 12 },
      ),
      radius: fc.double({ min: 0, max: 2, noNaN: true }),
    });
    fc.assert(
      fc.property(answer, ({ truth, found, radius }) => {
        const rows = found.map((f) => f.row);
        const distances = found.map((f) => f.distance);
        const byId = recallOf(rows, undefined, truth);
        const withTies = recallOf(rows, distances, truth, radius);
        expect(withTies).toBeGreaterThanOrEqual(byId);
        expect(withTies).toBeLessThanOrEqual(1);
        expect(recallOf(rows, distances, truth)).toBe(byId);
        // Every found row within the radius counts: with all of them within it, the found share.
        const within = distances.map(() => radius);
        expect(recallOf(rows, within, truth, radius)).toBe(
          Math.min(rows.length, truth.length) / truth.length,
        );
      }),
    );
  });

  it.each(["l2", "cosine", "ip"] as Metric[])(
    "takes each query's radius as the exact scan's distance to its farthest true neighbor (%s)",
    (metric) => {
      const rows = randomRows(300, 24, 3);
      const queries = queriesOf(randomRows(20, 24, 4));
      const truth = exactNeighbors(rows, metric, queries, 7);
      truth.fill(-1, 5 * 7 + 4, 6 * 7); // query 5 has 4 true neighbors (an index smaller than k)
      truth.fill(-1, 6 * 7, 7 * 7); // query 6 has none
      const radii = truthRadii(rows, metric, queries, truth, 7);
      for (let q = 0; q < queries.rows; q++) {
        const query = prepareQuery(metric, queries.data.subarray(q * 24, (q + 1) * 24));
        const exact = exactTopK(rows, metric, query, 7);
        const at = q === 5 ? 3 : 6;
        if (q === 6) expect(radii[q]).toBe(Number.POSITIVE_INFINITY);
        else expect(radii[q]).toBeCloseTo((exact[at] as { distance: number }).distance, 5);
      }
    },
  );

  it("reads a search that finds duplicates of its true neighbors as recall 1, where ids alone cap it", () => {
    // 2,000 random rows and 40 groups of 8 copies of some of them. hnswlib's neighbor heuristic
    // prunes a node's exact copies, so some copies cannot be reached at any ef_search: a query
    // whose top 10 ends inside a group gets other copies than the rows the exact scan kept.
    const rows = withDuplicates(2000, 40, 8, 16);
    const random = seededRandom(11);
    const queries = queriesOf({
      data: Float32Array.from({ length: 200 * 16 }, () => random()),
      dimension: 16,
      rows: 200,
    });
    const truth = exactNeighbors(rows, "l2", queries, 10);
    const radii = truthRadii(rows, "l2", queries, truth, 10);
    const graph = buildGraph(rows, "l2", { m: 8, ef_construction: 100, seed: 42 });
    const exhaustive = rows.rows; // ef_search over every node: what the graph can reach, it finds
    const byId = recallAt(graph, queries, { truth, k: 10 }, exhaustive);
    const withTies = recallAt(graph, queries, { truth, k: 10, radii }, exhaustive);
    expect(byId).toBeLessThan(0.99);
    expect(withTies).toBe(1);
    // measureArms counts the same way, and a lower ef_search is still under 1 with ties counted.
    const [low, high] = measureArms(
      [
        { graph, efSearch: 10 },
        { graph, efSearch: exhaustive },
      ],
      queries,
      { truth, k: 10, radii },
      1,
      0,
    );
    expect(high?.recall).toBe(1);
    expect(low?.recall).toBeLessThan(1);
    expect(low?.recall).toBeGreaterThanOrEqual(recallAt(graph, queries, { truth, k: 10 }, 10));
  });
});
