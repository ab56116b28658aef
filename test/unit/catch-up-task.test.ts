import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildToFile, catchUpGraph } from "../../src/app/hnsw-tasks";
import { seededRows as rows, scratchFiles } from "../support/graph-files";

// The worker's catch-up task and the graph file it reads.

const file = scratchFiles("vectord-catch-up-task-");

describe("the catch-up task", () => {
  it("removes its input once loaded only when it is the task's own copy, with the same graph either way", () => {
    const dimension = 12;
    buildToFile({
      rows: rows(200, dimension, 1),
      metric: "l2",
      build: { m: 6, ef_construction: 30, seed: 3 },
      path: file("base"),
    });
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
