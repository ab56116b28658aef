import { statSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { heldKeys } from "../../src/app/held-graph";
import { buildToFile, catchUpGraph, releaseHeld } from "../../src/app/hnsw-tasks";
import { seededRows as rows, scratchFiles } from "../support/graph-files";

// The graphs a generation thread holds within its budget (run here on the test's own thread).

const file = scratchFiles("vectord-held-graphs-");
const dimension = 12;
const build = { m: 6, ef_construction: 30, seed: 3 };

/** A generation build of 200 rows, held as `name` (its file's name too) within `budget`. */
function built(name: string, budget: number) {
  return buildToFile({
    rows: rows(200, dimension, 1),
    metric: "l2",
    build,
    path: file(name),
    holdAs: name,
    heldBudget: budget,
  });
}

/** A catch-up of `key`'s graph adding `adds` rows, written and held as `outKey`. */
function caughtUp(key: string, outKey: string, budget: number, adds = 0) {
  return catchUpGraph({
    inPath: file(key),
    inKey: key,
    outPath: file(outKey),
    holdAs: outKey,
    heldBudget: budget,
    metric: "l2",
    dimension,
    deleteLabels: new Int32Array(0),
    add: rows(adds, dimension, 5),
    firstLabel: 200,
  });
}

afterEach(() => releaseHeld());

describe("graphs held within a budget", () => {
  it("stay while they fit, the least recently used going first", () => {
    const size = built("a", 0).bytes;
    // Room for two of these graphs, not three.
    const budget = Math.floor(size * 2.5);
    built("b", budget);
    expect(heldKeys()).toEqual(["a", "b"]);
    // A catch-up of a starts from memory and holds its output as the graph used last.
    expect(caughtUp("a", "a2", budget).fromHeld).toBe(true);
    expect(heldKeys()).toEqual(["b", "a2"]);
    // A third graph makes room: b, used least recently, goes.
    built("c", budget);
    expect(heldKeys()).toEqual(["a2", "c"]);
    expect(caughtUp("b", "b2", budget).fromHeld).toBe(false);
    // Reading b made room for it first: a2 went before, so b's file was read beside c alone.
    expect(heldKeys()).toEqual(["c", "b2"]);
  });

  it("make room before a graph is read, for what the catch-up will grow it to", () => {
    const size = built("small", 0).bytes;
    const budget = Math.floor(size * 2.5);
    built("other", budget);
    expect(heldKeys()).toEqual(["small", "other"]);
    // "small" is held, but its copy under another key is not: read from its file, doubled by
    // 200 new rows, it needs room for two graphs beside the others (three in all: both go).
    const grown = catchUpGraph({
      inPath: file("small"),
      outPath: file("grown"),
      holdAs: "grown",
      heldBudget: budget,
      metric: "l2",
      dimension,
      deleteLabels: new Int32Array(0),
      add: rows(200, dimension, 6),
      firstLabel: 200,
    });
    expect(grown.fromHeld).toBe(false);
    expect(grown.bytes).toBeGreaterThan(1.9 * size);
    expect(heldKeys()).toEqual(["grown"]);
    expect(statSync(file("grown")).size).toBe(grown.bytes);
  });

  it("lose only the graph of a task that fails, and all of them at a release", () => {
    const size = built("x", 0).bytes;
    const budget = size * 3;
    built("y", budget);
    expect(() =>
      catchUpGraph({
        inPath: file("y"),
        inKey: "y",
        outPath: file("bad"),
        holdAs: "bad",
        heldBudget: budget,
        metric: "l2",
        dimension,
        deleteLabels: Int32Array.of(9999),
        add: rows(0, dimension, 5),
        firstLabel: 200,
      }),
    ).toThrow("Label not found");
    // y may be half-changed: it is gone; x was never touched and stays.
    expect(heldKeys()).toEqual(["x"]);
    expect(caughtUp("x", "x2", budget).fromHeld).toBe(true);
    // With no budget a task keeps only the graph it wrote.
    built("z", 0);
    expect(heldKeys()).toEqual(["z"]);
    releaseHeld();
    expect(heldKeys()).toEqual([]);
  });
});
