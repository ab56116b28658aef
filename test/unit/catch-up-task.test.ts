import { copyFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import hnswlib from "hnswlib-node";
import { describe, expect, it } from "vitest";
import { createHnswRunner } from "../../src/app/hnsw-runner";
import { buildToFile, catchUpGraph, releaseHeld } from "../../src/app/hnsw-tasks";
import { seededRows as rows, scratchFiles } from "../support/graph-files";

// The worker's catch-up task and the graph file it reads.

const file = scratchFiles("vectord-catch-up-task-");
const dimension = 12;

/** A 200-row graph written to scratch file `name` (and held as `holdAs`, when given). */
function baseGraph(name: string, holdAs?: string) {
  buildToFile({
    rows: rows(200, dimension, 1),
    metric: "l2",
    build: { m: 6, ef_construction: 30, seed: 3 },
    path: file(name),
    ...(holdAs === undefined ? {} : { holdAs }),
  });
}

/** A catch-up of `key`'s graph (file gone) that adds and marks nothing, written to `outPath`. */
function rewrite(key: string, outPath: string) {
  const none = { adds: 0, deleted: new Int32Array(0) };
  return catchUpGraph({ ...step(file(key), outPath, 200, 0, none), inKey: key, holdAs: key });
}

/** A catch-up of `inPath` adding `adds` rows from `seed` as `firstLabel`..., marking `deleted`. */
function step(
  inPath: string,
  outPath: string,
  firstLabel: number,
  seed: number,
  { adds = 30, deleted = Int32Array.of(firstLabel - 5) } = {},
) {
  return {
    inPath,
    outPath,
    metric: "l2" as const,
    dimension,
    deleteLabels: deleted,
    add: rows(adds, dimension, seed),
    firstLabel,
  };
}

describe("the catch-up task", () => {
  it("removes its input once loaded only when it is the task's own copy, with the same graph either way", () => {
    baseGraph("base");
    copyFileSync(file("base"), file("own"));
    const task = {
      metric: "l2" as const,
      dimension,
      deleteLabels: Int32Array.of(4, 17),
      add: rows(40, dimension, 2),
      firstLabel: 200,
    };
    catchUpGraph({ ...task, inPath: file("own"), dropInput: true, outPath: file("from-own") });
    catchUpGraph({ ...task, inPath: file("base"), outPath: file("from-kept") });
    expect(existsSync(file("own"))).toBe(false);
    expect(existsSync(file("base"))).toBe(true);
    expect(readFileSync(file("from-own")).equals(readFileSync(file("from-kept")))).toBe(true);
  });
});

describe("the graph the generation thread holds", () => {
  const base = () => baseGraph("held-base");

  it("catches up from memory the graph it wrote last, which is its file's graph", () => {
    base();
    const first = catchUpGraph({ ...step(file("held-base"), file("g1"), 200, 2), holdAs: "g1" });
    expect(first.fromHeld).toBe(false);
    // g1's file is gone: only the held graph can serve the next catch-ups.
    copyFileSync(file("g1"), file("g1-copy"));
    rmSync(file("g1"));
    // Nothing to add or mark: the held graph written again is g1's file, byte for byte.
    const same = catchUpGraph({
      ...step(file("g1"), file("g1-again"), 230, 0, { adds: 0, deleted: new Int32Array(0) }),
      inKey: "g1",
      holdAs: "g1",
    });
    expect(same.fromHeld).toBe(true);
    expect(readFileSync(file("g1-again")).equals(readFileSync(file("g1-copy")))).toBe(true);
    // Caught up from memory: every row added, the replaced one marked.
    const next = catchUpGraph({ ...step(file("g1"), file("g2"), 230, 3), inKey: "g1" });
    expect(next.fromHeld).toBe(true);
    const graph = new hnswlib.HierarchicalNSW("l2", dimension);
    graph.readIndexSync(file("g2"));
    expect(graph.getCurrentCount()).toBe(260);
    graph.setEf(50);
    const added = step("", "", 230, 3).add;
    for (let r = 0; r < 30; r++) {
      const row = Array.from(added.data.subarray(r * dimension, (r + 1) * dimension));
      expect(graph.searchKnn(row, 1).neighbors).toEqual([230 + r]);
    }
    expect(() => graph.markDelete(225)).toThrow("already deleted");
    // That task held nothing (no holdAs): g1 now reads its file, which is gone.
    expect(() => catchUpGraph({ ...step(file("g1"), file("g3"), 230, 4), inKey: "g1" })).toThrow(
      /failed to open file/,
    );
  });

  it("holds the graph a generation build wrote, its file's graph; a build that does not hold lets it go", () => {
    baseGraph("built", "built");
    copyFileSync(file("built"), file("built-copy"));
    rmSync(file("built"));
    const again = rewrite("built", file("built-again"));
    expect(again.fromHeld).toBe(true);
    expect(readFileSync(file("built-again")).equals(readFileSync(file("built-copy")))).toBe(true);
    // Still held (the rewrite held it again), until a build that does not hold its graph.
    expect(rewrite("built", file("built-again")).fromHeld).toBe(true);
    baseGraph("other");
    expect(() => rewrite("built", file("built-again"))).toThrow(/failed to open file/);
  });

  it("holds one graph, under its own key, and none after a failed task or a release", () => {
    base();
    catchUpGraph({ ...step(file("held-base"), file("k1"), 200, 2), holdAs: "k1" });
    // Another key reads its file, and the thread then holds what it wrote instead.
    const other = catchUpGraph({
      ...step(file("held-base"), file("k2"), 200, 5),
      inKey: "held-base",
      holdAs: "k2",
    });
    expect(other.fromHeld).toBe(false);
    expect(catchUpGraph({ ...step(file("k1"), file("x"), 230, 6), inKey: "k1" }).fromHeld).toBe(
      false,
    );
    // A task that fails lets go of what was held, so no half-done graph stays in memory.
    catchUpGraph({ ...step(file("held-base"), file("k3"), 200, 2), holdAs: "k3" });
    expect(() =>
      catchUpGraph({
        ...step(file("k3"), file("bad"), 230, 7),
        inKey: "k3",
        deleteLabels: Int32Array.of(9999),
      }),
    ).toThrow("Label not found");
    expect(catchUpGraph({ ...step(file("k3"), file("y"), 230, 8), inKey: "k3" }).fromHeld).toBe(
      false,
    );
    catchUpGraph({ ...step(file("held-base"), file("k4"), 200, 2), holdAs: "k4" });
    releaseHeld();
    expect(catchUpGraph({ ...step(file("k4"), file("z"), 230, 9), inKey: "k4" }).fromHeld).toBe(
      false,
    );
  });
});

describe("a runner's generation thread", () => {
  it("keeps the graph for the runner's next catch-up, and lets it go before any other task", async () => {
    baseGraph("runner-base");
    const task = (inPath: string, outPath: string, firstLabel: number, seed: number) =>
      step(inPath, outPath, firstLabel, seed, { adds: 10, deleted: new Int32Array(0) });
    const runner = createHnswRunner({ maxThreads: 1, catchUpThreads: 1 });
    const build = (name: string, holdAs?: string) =>
      runner.build({
        rows: rows(50, dimension, 4),
        metric: "l2",
        build: { m: 6, ef_construction: 30, seed: 3 },
        path: file(name),
        ...(holdAs === undefined ? {} : { holdAs }),
      });
    try {
      // Starting the threads ahead of work holds nothing.
      await runner.start();
      const first = await runner.catchUp({
        ...task(file("runner-base"), file("r1"), 200, 2),
        holdAs: "r1",
      });
      expect(first.fromHeld).toBe(false);
      const second = await runner.catchUp({
        ...task(file("r1"), file("r2"), 210, 3),
        inKey: "r1",
        holdAs: "r2",
      });
      expect(second.fromHeld).toBe(true);
      // A build on the runner: the held graph goes first, so the next catch-up reads the file.
      await build("runner-built");
      const third = await runner.catchUp({ ...task(file("r2"), file("r3"), 220, 5), inKey: "r2" });
      expect(third.fromHeld).toBe(false);
      // A generation's build runs there and holds its graph for the next catch-up.
      await build("runner-generation", "runner-generation");
      const fourth = await runner.catchUp({
        ...task(file("runner-generation"), file("r4"), 50, 6),
        inKey: "runner-generation",
      });
      expect(fourth.fromHeld).toBe(true);
      // A generation's build submitted while that thread is busy runs in the pool, holding nothing.
      const busy = runner.catchUp({ ...task(file("r4"), file("r5"), 60, 7), holdAs: "r5" });
      await build("runner-pooled", "runner-pooled");
      await busy;
      const fifth = await runner.catchUp({
        ...task(file("runner-pooled"), file("r6"), 50, 8),
        inKey: "runner-pooled",
      });
      expect(fifth.fromHeld).toBe(false);
    } finally {
      await runner.close();
    }
  });
});
