import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hnswlib from "hnswlib-node";
import { afterAll, describe, expect, it } from "vitest";
import { rowOf } from "../../src/domain/hnsw";
import { seededRandom } from "../../src/domain/seeded-random";

// hnswlib-node is built with patches/hnswlib-node+3.0.0+003+typed-points.patch (applied by
// `postinstall`): HierarchicalNSW's addPoint and searchKnn take a point as a Float32Array too,
// read in one copy, and vectord hands it rows that way (`rowOf`, a view into its row data).

const dimension = 24;
const count = 300;
const random = seededRandom(3);
const rows = {
  data: Float32Array.from({ length: count * dimension }, () => random() * 2 - 1),
  dimension,
  rows: count,
};
const dir = mkdtempSync(join(tmpdir(), "vectord-typed-points-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A graph of every row under `space`, each given by `point(r)`, and its serialized bytes. */
function built(space: "l2" | "cosine", point: (r: number) => number[] | Float32Array) {
  const graph = new hnswlib.HierarchicalNSW(space, dimension);
  graph.initIndex({ maxElements: count, m: 8, efConstruction: 40, randomSeed: 7 });
  for (let r = 0; r < count; r++) graph.addPoint(point(r), r);
  const path = join(dir, `${space}-${Math.random()}.hnsw`);
  graph.writeIndexSync(path);
  return { graph, bytes: readFileSync(path) };
}

describe("hnswlib-node's typed points (patches/…+003+typed-points.patch)", () => {
  it.each(["l2", "cosine"] as const)(
    "builds under %s, from Float32Array views, the graph an Array of the same values builds, and searches it the same",
    (space) => {
      const fromArrays = built(space, (r) => Array.from(rowOf(rows, r)));
      const fromViews = built(space, (r) => rowOf(rows, r));
      expect(fromViews.bytes.equals(fromArrays.bytes)).toBe(true);
      fromViews.graph.setEf(20);
      for (let q = 0; q < 50; q++) {
        const query = Float32Array.from({ length: dimension }, () => random() * 2 - 1);
        expect(fromViews.graph.searchKnn(query, 5)).toEqual(
          fromViews.graph.searchKnn(Array.from(query), 5),
        );
      }
    },
  );

  it("reads a view at its own offset, not its buffer's start", () => {
    const { graph } = built("l2", (r) => rowOf(rows, r));
    for (const r of [1, 150, count - 1]) {
      const found = graph.searchKnn(rowOf(rows, r), 1);
      expect(found).toEqual({ neighbors: [r], distances: [0] });
    }
  });

  it("refuses another typed array, and a point of the wrong length, saying what it got", () => {
    const { graph } = built("l2", (r) => rowOf(rows, r));
    expect(() => graph.searchKnn(new Float64Array(dimension) as never, 1)).toThrow(
      "must be an Array or a Float32Array",
    );
    expect(() => graph.addPoint(new Float32Array(dimension + 1), count)).toThrow(
      `expected ${dimension}, but got ${dimension + 1}`,
    );
  });
});
