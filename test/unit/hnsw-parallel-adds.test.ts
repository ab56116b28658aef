import { readFileSync } from "node:fs";
import hnswlib from "hnswlib-node";
import { describe, expect, it } from "vitest";
import { createHnswRunner } from "../../src/app/hnsw-runner";
import { type CatchUpTask, catchUpGraph } from "../../src/app/hnsw-tasks";
import { exactNeighbors, rowOf } from "../../src/domain/hnsw";
import { recallAt } from "../../src/domain/hnsw-measure";
import { scratchFiles, seededRows } from "../support/graph-files";

// hnswlib-node is built with patches/hnswlib-node+3.0.0+004+parallel-adds.patch (applied by
// `postinstall`): HierarchicalNSW.addPoints adds a batch of points on one or more threads, and a
// catch-up adds its rows with it (on the machine's cores by default, see createHnswRunner).

const dimension = 16;
const base = 600;
const added = 400;
const total = base + added;
const rows = seededRows(total, dimension, 11);
const addedRows = rows.data.subarray(base * dimension);
const addedLabels = Uint32Array.from({ length: added }, (_, i) => base + i);
const scratch = scratchFiles("vectord-parallel-adds-");
const file = (name: string) => scratch(`${name}.hnsw`);

/** Writes the graph of the first `base` rows under `space` to `file(space)`. */
function writeBase(space: "l2" | "cosine") {
  const graph = new hnswlib.HierarchicalNSW(space, dimension);
  graph.initIndex({ maxElements: base, m: 8, efConstruction: 60, randomSeed: 5 });
  for (let r = 0; r < base; r++) graph.addPoint(rowOf(rows, r), r);
  graph.writeIndexSync(file(space));
}
writeBase("l2");
writeBase("cosine");

/** The base graph under `space`, read back and resized to hold every row. */
function baseGraph(space: "l2" | "cosine") {
  const graph = new hnswlib.HierarchicalNSW(space, dimension);
  graph.readIndexSync(file(space));
  graph.resizeIndex(total);
  return graph;
}

const bytesOf = (graph: hnswlib.HierarchicalNSW, name: string) => {
  graph.writeIndexSync(file(name));
  return readFileSync(file(name));
};

// Every fifth row as a query, its exact 10 nearest under l2 (itself included) as the truth.
const queryRows = Array.from({ length: total / 5 }, (_, q) => q * 5);
const queries = {
  data: Float32Array.from(queryRows.flatMap((r) => Array.from(rowOf(rows, r)))),
  dimension,
  rows: queryRows.length,
  excludeRows: new Int32Array(queryRows.length).fill(-1),
};
const answers = { truth: exactNeighbors(rows, "l2", queries, 10), k: 10 };

/** recall@10 of `graph` on those queries at ef_search 64. */
const recallAt10 = (graph: hnswlib.HierarchicalNSW) => recallAt(graph, queries, answers, 64);

describe("hnswlib-node's parallel adds (patches/…+004+parallel-adds.patch)", () => {
  it.each(["l2", "cosine"] as const)(
    "on one thread under %s, adds the points in order: the graph addPoint one by one makes",
    (space) => {
      const oneByOne = baseGraph(space);
      for (let r = base; r < total; r++) oneByOne.addPoint(rowOf(rows, r), r);
      const batch = baseGraph(space);
      batch.addPoints(addedRows, addedLabels, 1);
      expect(bytesOf(batch, `${space}-batch`).equals(bytesOf(oneByOne, `${space}-loop`))).toBe(
        true,
      );
    },
  );

  it.each([2, 4])(
    "on %i threads, adds every point under its label, and recalls as well",
    (threads) => {
      const oneThread = baseGraph("l2");
      oneThread.addPoints(addedRows, addedLabels, 1);
      const parallel = baseGraph("l2");
      parallel.addPoints(addedRows, addedLabels, threads);
      expect(parallel.getCurrentCount()).toBe(total);
      expect(parallel.getIdsList().sort((a, b) => a - b)).toEqual(
        Array.from({ length: total }, (_, r) => r),
      );
      parallel.setEf(32);
      for (let r = base; r < total; r++) {
        expect(parallel.getPoint(r)).toEqual(Array.from(rowOf(rows, r)));
        expect(parallel.searchKnn(rowOf(rows, r), 1)).toEqual({ neighbors: [r], distances: [0] });
      }
      const serial = recallAt10(oneThread);
      expect(serial).toBeGreaterThan(0.95);
      expect(Math.abs(recallAt10(parallel) - serial)).toBeLessThanOrEqual(0.02);
    },
  );

  it("adds into an empty graph on several threads (its first point first)", () => {
    const graph = new hnswlib.HierarchicalNSW("l2", dimension);
    graph.initIndex({ maxElements: total, m: 8, efConstruction: 60, randomSeed: 5 });
    graph.addPoints(
      rows.data,
      Uint32Array.from({ length: total }, (_, r) => r),
      2,
    );
    expect(graph.getCurrentCount()).toBe(total);
    expect(recallAt10(graph)).toBeGreaterThan(0.95);
  });

  it("refuses what it cannot add, saying what it got, and the graph stays usable", () => {
    const graph = baseGraph("l2");
    expect(() => graph.addPoints(addedRows.subarray(1), addedLabels, 2)).toThrow(
      `expected ${added} labels x ${dimension} dimensions = ${added * dimension}, but got ${added * dimension - 1}`,
    );
    expect(() =>
      graph.addPoints(Float64Array.from(addedRows) as unknown as Float32Array, addedLabels),
    ).toThrow("must be a Float32Array");
    expect(() =>
      graph.addPoints(addedRows, Array.from(addedLabels) as unknown as Uint32Array),
    ).toThrow("must be a Uint32Array");
    for (const threads of [0, 1.5, 257, Number.NaN]) {
      expect(() => graph.addPoints(addedRows, addedLabels, threads)).toThrow(
        `expected an integer 1..256, but got ${threads}`,
      );
    }
    expect(graph.getCurrentCount()).toBe(base);
    // More points than the graph has room for: hnswlib refuses the ones past its capacity, on
    // whichever thread meets it, and the error reaches the caller.
    const small = new hnswlib.HierarchicalNSW("l2", dimension);
    small.readIndexSync(file("l2"));
    small.resizeIndex(base + 10);
    expect(() => small.addPoints(addedRows, addedLabels, 2)).toThrow(
      "Hnswlib Error: The number of elements exceeds the specified limit",
    );
    expect(small.getCurrentCount()).toBe(base + 10);
    expect(small.searchKnn(rowOf(rows, 0), 1).neighbors).toEqual([0]);
  });

  it("serves a catch-up task on several threads: every row added, deleted labels marked", () => {
    catchUpGraph({
      inPath: file("l2"),
      outPath: file("caught-up"),
      metric: "l2",
      dimension,
      deleteLabels: Int32Array.of(3, 30),
      add: { data: addedRows, dimension, rows: added },
      firstLabel: base,
      threads: 2,
    });
    const graph = new hnswlib.HierarchicalNSW("l2", dimension);
    graph.readIndexSync(file("caught-up"));
    expect(graph.getCurrentCount()).toBe(total);
    expect(graph.getIdsList().sort((a, b) => a - b)).toEqual(
      Array.from({ length: total }, (_, r) => r),
    );
    graph.setEf(32);
    for (const label of [3, 30]) {
      expect(graph.searchKnn(rowOf(rows, label), 5).neighbors).not.toContain(label);
      expect(() => graph.markDelete(label)).toThrow("already deleted");
    }
    expect(() => graph.markDelete(4)).not.toThrow();
    for (let r = base; r < total; r++) {
      expect(graph.searchKnn(rowOf(rows, r), 1).neighbors).toEqual([r]);
    }
  });

  it("runs a runner's catch-ups on its catchUpThreads, unless a task names its own", async () => {
    const task: CatchUpTask = {
      inPath: file("l2"),
      outPath: file("direct"),
      metric: "l2",
      dimension,
      deleteLabels: Int32Array.of(7),
      add: { data: addedRows, dimension, rows: added },
      firstLabel: base,
    };
    catchUpGraph({ ...task, threads: 1 });
    const inOrder = readFileSync(file("direct"));
    // On one thread the rows go in in order: the graph is the direct one, byte for byte.
    const oneThread = createHnswRunner({ maxThreads: 1, catchUpThreads: 1 });
    const onMany = createHnswRunner({ maxThreads: 1, catchUpThreads: 4 });
    try {
      await oneThread.catchUp({ ...task, outPath: file("runner-1") });
      expect(readFileSync(file("runner-1")).equals(inOrder)).toBe(true);
      await onMany.catchUp({ ...task, outPath: file("runner-task-1"), threads: 1 });
      expect(readFileSync(file("runner-task-1")).equals(inOrder)).toBe(true);
      await onMany.catchUp({ ...task, outPath: file("runner-4") });
      const graph = new hnswlib.HierarchicalNSW("l2", dimension);
      graph.readIndexSync(file("runner-4"));
      expect(graph.getCurrentCount()).toBe(total);
    } finally {
      await oneThread.close();
      await onMany.close();
    }
  });
});
