import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildAndMeasure, groundTruth } from "../../src/app/hnsw-tasks";
import { heldOut, inLabels, keptMask, sameRows } from "../../src/domain/held-out";
import { buildGraph, exactNeighbors, type QueryRows } from "../../src/domain/hnsw";
import { measureArms } from "../../src/domain/hnsw-measure";
import { seededRandom } from "../../src/domain/seeded-random";

const paths: string[] = [];
afterAll(() => {
  for (const p of paths) rmSync(p, { force: true });
});

const queriesOf = (data: Float32Array, dimension: number, excludeRows: number[]): QueryRows => ({
  data,
  dimension,
  rows: excludeRows.length,
  excludeRows: Int32Array.from(excludeRows),
});

describe("held-out rows", () => {
  it("maps the rows a graph holds to its labels, and truth into them", () => {
    const queries = queriesOf(new Float32Array(3), 1, [4, -1, 1]);
    expect(Array.from(keptMask(6, queries) ?? [])).toEqual([1, 0, 1, 1, 0, 1]);
    const held = heldOut(6, queries);
    expect(Array.from(held?.labelRows ?? [])).toEqual([0, 2, 3, 5]);
    expect(Array.from(held?.rowLabels ?? [])).toEqual([0, -1, 1, 2, -1, 3]);
    // Truth rows become labels; a held-out row (truth saved before) is dropped, the rest move up.
    const truth = Int32Array.of(5, 2, 0, 3, 1, -1);
    const seen = inLabels(held as NonNullable<typeof held>, queries, truth, 2);
    expect(Array.from(seen.truth)).toEqual([3, 1, 0, 2, -1, -1]);
    expect(Array.from(seen.queries.excludeRows)).toEqual([-1, -1, -1]);
    // Queries from outside the index hold nothing out.
    expect(heldOut(6, queriesOf(new Float32Array(1), 1, [-1]))).toBeUndefined();
  });

  it("finds the row a query equals, if any: all values, -0 as 0, the first of duplicates", () => {
    const rows = {
      data: Float32Array.of(
        1,
        2,
        3,
        4,
        5,
        /**/ 1,
        2,
        3,
        4,
        6,
        /**/ 0,
        0,
        0,
        0,
        1,
        /**/ 1,
        2,
        3,
        4,
        6,
      ),
      dimension: 5,
      rows: 4,
    };
    const queries = Float32Array.of(1, 2, 3, 4, 6, /**/ -0, 0, 0, 0, 1, /**/ 1, 2, 3, 4, 7);
    expect(Array.from(sameRows(queries, rows))).toEqual([1, 2, -1]);
    expect(Array.from(sameRows(new Float32Array(0), rows))).toEqual([]);
  });

  it("measures queries drawn from the index as the graph answers queries from outside it", () => {
    // 1,000 random 128-d vectors; 50 queries are vectors of the index, 50 come from outside.
    const n = 1000;
    const d = 128;
    const random = seededRandom(1);
    const data = Float32Array.from({ length: n * d }, () => random() - 0.5);
    const rows = { data, dimension: d, rows: n };
    const sources = Array.from({ length: 50 }, (_, i) => i * 7);
    const drawn = new Float32Array(sources.length * d);
    for (const [i, r] of sources.entries()) drawn.set(data.subarray(r * d, (r + 1) * d), i * d);
    const fromIndex = queriesOf(drawn, d, sources);
    const outside = queriesOf(
      Float32Array.from({ length: 50 * d }, () => random() - 0.5),
      d,
      Array(50).fill(-1),
    );
    const build = { m: 32, ef_construction: 200, seed: 42 };
    const recall = (queries: QueryRows) => {
      const snapshotPath = join(tmpdir(), `vectord-held-out-${paths.length}.hnsw`);
      paths.push(snapshotPath);
      const truth = groundTruth({ rows, metric: "l2", queries, k: 10 });
      const held = heldOut(n, queries);
      const measured = buildAndMeasure({
        rows,
        metric: "l2",
        build,
        queries,
        truth,
        k: 10,
        ...(held && { held }),
        efSearches: [10],
        snapshotPath,
      });
      return measured.searches[0]?.recall as number;
    };
    const heldOutRecall = recall(fromIndex);
    const outsideRecall = recall(outside);
    expect(Math.abs(heldOutRecall - outsideRecall)).toBeLessThanOrEqual(0.08);

    // What holding out corrects: the same queries on a graph of every row, only their own row
    // left out of their results, read far higher than queries from outside get.
    const everyRow = buildGraph(rows, "l2", build);
    const [inSample] = measureArms(
      [{ graph: everyRow, efSearch: 10 }],
      fromIndex,
      { truth: exactNeighbors(rows, "l2", fromIndex, 10), k: 10 },
      1,
      0,
    );
    expect(inSample?.recall).toBeGreaterThanOrEqual(outsideRecall + 0.15);
  });
});
