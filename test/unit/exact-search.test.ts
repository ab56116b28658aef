import { describe, expect, it } from "vitest";
import { exactTopK, inverseNorms } from "../../src/domain/exact-search";
import type { Metric } from "../../src/domain/metric";
import { prepareQuery, shortestFloat32 } from "../../src/domain/vector-math";

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** The obvious implementation: score every row with plain arrays, sort, take k. */
function naiveTopK(rows: number[][], query: number[], metric: Metric, k: number, exclude = -1) {
  const unit = (v: number[]) => {
    const n = Math.hypot(...v);
    return v.map((x) => x / n);
  };
  const q = metric === "cosine" ? unit(query) : query;
  return rows
    .map((row, i) => {
      const r = metric === "cosine" ? unit(row) : row;
      const d =
        metric === "l2"
          ? r.reduce((s, x, j) => s + (x - (q[j] as number)) ** 2, 0)
          : 1 - r.reduce((s, x, j) => s + x * (q[j] as number), 0);
      return { row: i, distance: d };
    })
    .filter((c) => c.row !== exclude)
    .sort((a, b) => a.distance - b.distance || a.row - b.row)
    .slice(0, k);
}

describe("exactTopK", () => {
  for (const metric of ["l2", "cosine", "ip"] as const) {
    it(`matches a naive sort for ${metric}`, () => {
      const next = rng(7);
      const dimension = 8;
      const rows = Array.from({ length: 300 }, () => Array.from({ length: dimension }, next));
      const data = new Float32Array(rows.flat());
      // Rows stay as written; cosine scales each dot product by the row's inverse norm.
      const scale =
        metric === "cosine" ? { inverseNorms: inverseNorms(data, dimension, rows.length) } : {};
      for (let t = 0; t < 10; t++) {
        const query = Array.from({ length: dimension }, next);
        const got = exactTopK(
          { data, dimension, rows: rows.length, ...scale },
          metric,
          prepareQuery(metric, query),
          10,
          t,
        );
        const want = naiveTopK(rows, query, metric, 10, t);
        expect(got.map((g) => g.row)).toEqual(want.map((w) => w.row));
        got.forEach((g, i) => {
          expect(g.distance).toBeCloseTo((want[i] as { distance: number }).distance, 4);
        });
      }
    });
  }

  // A mask keeping few rows is scanned scalar (only those rows), one keeping many on the kernel.
  for (const keep of [0.05, 0.5]) {
    it(`keeps only the rows a mask keeps (${keep * 100}% of them), as a naive sort does`, () => {
      const next = rng(13);
      const dimension = 12;
      const rows = Array.from({ length: 400 }, () => Array.from({ length: dimension }, next));
      const data = new Float32Array(rows.flat());
      const mask = Uint8Array.from(rows, () => (next() + 0.5 < keep ? 1 : 0));
      for (let t = 0; t < 10; t++) {
        const query = Array.from({ length: dimension }, next);
        const got = exactTopK(
          { data, dimension, rows: rows.length },
          "l2",
          prepareQuery("l2", query),
          10,
          -1,
          mask,
        );
        const want = naiveTopK(rows, query, "l2", rows.length).filter((w) => mask[w.row] === 1);
        expect(got.map((g) => g.row)).toEqual(want.slice(0, 10).map((w) => w.row));
      }
    });
  }

  it("breaks distance ties by row and caps k at the number of rows", () => {
    const data = new Float32Array([1, 0, 1, 0, 0, 1, 1, 0]);
    const got = exactTopK({ data, dimension: 2, rows: 4 }, "l2", new Float32Array([1, 0]), 10);
    expect(got.map((g) => g.row)).toEqual([0, 1, 3, 2]);
    expect(
      exactTopK({ data: new Float32Array(), dimension: 2, rows: 0 }, "l2", new Float32Array(2), 3),
    ).toEqual([]);
  });

  it("refuses cosine rows without their inverse norms", () => {
    expect(() =>
      exactTopK(
        { data: new Float32Array(4), dimension: 2, rows: 2 },
        "cosine",
        new Float32Array(2),
        1,
      ),
    ).toThrow("cosine rows need inverseNorms for all 2 rows");
  });

  it("says what it got when the query has the wrong length", () => {
    expect(() =>
      exactTopK({ data: new Float32Array(4), dimension: 2, rows: 2 }, "l2", new Float32Array(3), 1),
    ).toThrow("query has 3 values, expected 2");
  });
});

describe("shortestFloat32", () => {
  it("returns the shortest decimal that reads back as the same float", () => {
    expect(shortestFloat32(Math.fround(0.9))).toBe(0.9);
    expect(shortestFloat32(Math.fround(1 / 3))).toBe(0.33333334);
    expect(shortestFloat32(0)).toBe(0);
    expect(Math.fround(shortestFloat32(Math.fround(123.456)))).toBe(Math.fround(123.456));
  });
});
