import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/domain/errors";
import { exactTopK, inverseNorms } from "../../src/domain/exact-search";
import { buildGraph } from "../../src/domain/hnsw";
import type { Metric } from "../../src/domain/metric";
import {
  MAX_SQUARED_NORM,
  MIN_COSINE_SQUARED_NORM,
  packVector,
} from "../../src/domain/vector-batch";
import { prepareQuery } from "../../src/domain/vector-math";

const METRICS = ["l2", "ip", "cosine"] as const satisfies Metric[];

/** `direction` scaled to squared norm `squaredNorm` (in 64-bit floats), as plain numbers. */
function scaled(direction: readonly number[], squaredNorm: number): number[] {
  const norm = Math.sqrt(direction.reduce((sum, x) => sum + x * x, 0));
  return direction.map((x) => (x / norm) * Math.sqrt(squaredNorm));
}

/** hnswlib's and the exact scan's distances from `query` to each of `rows` (plain arrays). */
function distances(metric: Metric, rows: number[][], query: number[]) {
  const dimension = query.length;
  const data = Float32Array.from(rows.flat());
  const table = {
    data,
    dimension,
    rows: rows.length,
    ...(metric === "cosine" ? { inverseNorms: inverseNorms(data, dimension, rows.length) } : {}),
  };
  const exact = exactTopK(table, metric, prepareQuery(metric, query), rows.length);
  const graph = buildGraph(table, metric, { m: 4, ef_construction: 16, seed: 1 });
  graph.setEf(rows.length);
  const hnsw = graph.searchKnn(query, rows.length);
  return { exact: exact.map((n) => n.distance), hnsw: hnsw.distances };
}

/** A direction of `d` values, not all near zero. */
const direction = (d: number) =>
  fc
    .array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: d, maxLength: d })
    .filter((v) => v.some((x) => Math.abs(x) > 1e-3));

/** `count` directions of one dimension, 2..32. */
const directions = (count: { minLength: number; maxLength: number }) =>
  fc.integer({ min: 2, max: 32 }).chain((d) => fc.array(direction(d), count));

describe("a vector's norm bounds", () => {
  it("keep every distance between accepted vectors finite, in hnswlib and the exact scan", () => {
    fc.assert(
      fc.property(
        directions({ minLength: 2, maxLength: 7 }),
        fc.constantFrom(...METRICS),
        (vectors, metric) => {
          // The query and every row at the largest norm accepted, within rounding to Float32.
          const near = MAX_SQUARED_NORM * (1 - 1e-5);
          const rows = vectors
            .map((v) => scaled(v, near))
            .map((v) => Array.from(packVector(v, v.length, metric, "v")));
          const q = rows[0] as number[];
          // The farthest row from the query: its opposite.
          rows.push(q.map((x) => -x));
          const got = distances(metric, rows, q);
          for (const d of [...got.exact, ...got.hnsw]) expect(Number.isFinite(d)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("keep cosine distances right at the smallest norm accepted", () => {
    fc.assert(
      fc.property(directions({ minLength: 2, maxLength: 2 }), ([a, b]) => {
        const dimension = (a as number[]).length;
        const [x, y] = [a as number[], b as number[]].map((v) =>
          scaled(v, MIN_COSINE_SQUARED_NORM * 1.01),
        ) as [number[], number[]];
        const [px, py] = [x, y].map((v) => Array.from(packVector(v, dimension, "cosine", "v")));
        // The cosine distance in 64-bit floats, of the stored 32-bit values.
        const dot = (u: number[], v: number[]) => u.reduce((s, ui, i) => s + ui * (v[i] ?? 0), 0);
        const want =
          1 -
          dot(px as number[], py as number[]) /
            Math.sqrt(dot(px as number[], px as number[]) * dot(py as number[], py as number[]));
        const got = distances("cosine", [py as number[]], px as number[]);
        expect(got.exact[0]).toBeCloseTo(want, 4);
        expect(got.hnsw[0]).toBeCloseTo(want, 4);
      }),
      { numRuns: 100 },
    );
  });

  it.each(METRICS)("refuses a norm past the largest under %s, naming both", (metric) => {
    const over = scaled([1, 2, 3], MAX_SQUARED_NORM * 1.01);
    expect(() => packVector(over, 3, metric, "vector")).toThrow(ValidationError);
    expect(() => packVector(over, 3, metric, "vector")).toThrow(
      "vector: its norm 9.3e18 is too large: distances would overflow 32-bit floats; at most 9.2e18",
    );
  });

  it("refuses a norm under the smallest under cosine only", () => {
    const under = scaled([1, 2, 3], MIN_COSINE_SQUARED_NORM * 0.5);
    expect(() => packVector(under, 3, "cosine", "query")).toThrow(
      "query: its norm 7.1e-16 is too small to normalize in 32-bit floats under the cosine metric; at least 1.0e-15",
    );
    expect(() => packVector(under, 3, "l2", "query")).not.toThrow();
    expect(() => packVector(under, 3, "ip", "query")).not.toThrow();
  });
});
