import { readFileSync, statSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { graphFileHeader, writeGraphPatch } from "../../src/app/graph-patch";
import { applyGraphPatch } from "../../src/app/graph-patch-apply";
import { buildToFile, catchUpGraph } from "../../src/app/hnsw-tasks";
import { GraphFileFormatError, patchBytes } from "../../src/domain/hnsw-file";
import { seededRows as rows, scratchFiles } from "../support/graph-files";

// Graph patches: a caught-up graph file = its base + a patch, byte for byte.

const file = scratchFiles("vectord-patch-test-");

/** A graph of `base` rows, and that graph caught up with `added` more and `deleted` marked. */
function caughtUp(name: string, base: number, added: number, deleted: number[], dimension = 24) {
  buildToFile({
    rows: rows(base, dimension, base),
    metric: "l2",
    build: { m: 6, ef_construction: 30, seed: 3 },
    path: file(`${name}.base`),
  });
  catchUpGraph({
    inPath: file(`${name}.base`),
    outPath: file(`${name}.graph`),
    metric: "l2",
    dimension,
    deleteLabels: Int32Array.from(deleted),
    add: rows(added, dimension, added + 1),
    firstLabel: base,
  });
  return { base: file(`${name}.base`), graph: file(`${name}.graph`) };
}

describe("graph patches", () => {
  it("rebuild the caught-up graph file exactly from its base, at the size the layout predicts", async () => {
    const { base, graph } = caughtUp("exact", 900, 150, [3, 10, 899]);
    // Small chunks (7 records, not a divisor of 900), so every loop runs many times.
    const io = { chunkBytes: 7 * (await graphFileHeader(graph)).recordBytes + 5 };
    const size = await writeGraphPatch(graph, 900, file("exact.patch"), io);
    expect(statSync(file("exact.patch")).size).toBe(size);
    expect(size).toBe(patchBytes(await graphFileHeader(graph), 900, statSync(graph).size));
    expect(size).toBeLessThan(statSync(graph).size / 2);
    await applyGraphPatch(base, file("exact.patch"), file("exact.out"), io);
    expect(readFileSync(file("exact.out")).equals(readFileSync(graph))).toBe(true);
    // In slices of the base, each from streams of its own, some at once: the same bytes, for
    // slices of 1 element, of 61 (not a divisor of 900, nor a multiple of the chunk), and one.
    const { recordBytes } = await graphFileHeader(graph);
    for (const [elements, concurrency] of [
      [1, 8],
      [61, 3],
      [61, 1],
      [900, 2],
    ] as const) {
      const sliced = { ...io, sliceBytes: elements * recordBytes + 2, concurrency };
      await applyGraphPatch(base, file("exact.patch"), file("exact.sliced"), sliced);
      expect(readFileSync(file("exact.sliced")).equals(readFileSync(graph))).toBe(true);
    }
    // The default chunks give the same bytes.
    await writeGraphPatch(graph, 900, file("exact.patch2"));
    expect(readFileSync(file("exact.patch2")).equals(readFileSync(file("exact.patch")))).toBe(true);
  });

  it("patch later catch-ups over the same base: each made whole is the file written", async () => {
    const { base, graph } = caughtUp("chain", 400, 40, [5]);
    let input = graph;
    for (const [round, added] of [60, 0, 90].entries()) {
      const output = file(`chain.${round}`);
      catchUpGraph({
        inPath: input,
        outPath: output,
        metric: "l2",
        dimension: 24,
        deleteLabels: Int32Array.of(round * 7, 400 + round),
        add: rows(added, 24, 50 + round),
        firstLabel: (await graphFileHeader(input)).elements,
      });
      await writeGraphPatch(output, 400, file(`chain.${round}.patch`));
      await applyGraphPatch(base, file(`chain.${round}.patch`), file(`chain.${round}.made`));
      expect(readFileSync(file(`chain.${round}.made`)).equals(readFileSync(output))).toBe(true);
      input = output;
    }
  });

  it("hold only the base's links when nothing was added", async () => {
    const { base, graph } = caughtUp("deletes", 300, 0, [1, 2, 3]);
    const header = await graphFileHeader(graph);
    expect(header.elements).toBe(300);
    await writeGraphPatch(graph, 300, file("deletes.patch"));
    await applyGraphPatch(base, file("deletes.patch"), file("deletes.out"));
    expect(readFileSync(file("deletes.out")).equals(readFileSync(graph))).toBe(true);
  });

  it("fail on a base, links or tail cut short, saying what is missing", async () => {
    const { base, graph } = caughtUp("short", 400, 60, [5]);
    const header = await graphFileHeader(graph);
    await writeGraphPatch(graph, 400, file("short.patch"));
    const io = { chunkBytes: 3 * header.recordBytes + 11 };
    const cut = (from: string, to: string, bytes: number) =>
      writeFileSync(to, readFileSync(from).subarray(0, bytes));
    // The base stops inside its records (in one slice or in slices of 40 elements).
    cut(base, file("short-cut.base"), 96 + 250 * header.recordBytes + 7);
    for (const sliced of [io, { ...io, sliceBytes: 40 * header.recordBytes, concurrency: 3 }]) {
      await expect(
        applyGraphPatch(file("short-cut.base"), file("short.patch"), file("x"), sliced),
      ).rejects.toThrow(
        /short-cut\.base ends early: its records end at byte \d+, the patch expects \d+/,
      );
    }
    // The patch stops inside its links (so its tail is gone too: whichever is seen first is said).
    cut(file("short.patch"), file("short-links.patch"), 112 + 300 * header.linkBytes);
    for (const sliced of [io, { ...io, sliceBytes: 40 * header.recordBytes, concurrency: 3 }]) {
      await expect(
        applyGraphPatch(base, file("short-links.patch"), file("x"), sliced),
      ).rejects.toThrow(
        /short-links\.patch (ends early: the patch's links need|holds 0 bytes after its links)/,
      );
    }
    // The patch stops inside its tail, half-way through its new elements.
    cut(
      file("short.patch"),
      file("short-tail.patch"),
      112 + 400 * header.linkBytes + 30 * header.recordBytes,
    );
    await expect(applyGraphPatch(base, file("short-tail.patch"), file("x"), io)).rejects.toThrow(
      /holds \d+ bytes after its links; its 60 new elements need \d+/,
    );
  });

  it("refuse a base that is not theirs, and a file that is not a patch, saying what they found", async () => {
    const { graph } = caughtUp("refuse", 200, 20, []);
    const other = caughtUp("other", 150, 5, []);
    await writeGraphPatch(graph, 200, file("refuse.patch"));
    await expect(applyGraphPatch(other.base, file("refuse.patch"), file("x"))).rejects.toThrow(
      /has 150 elements .* the patch expects 200/,
    );
    writeFileSync(file("junk.patch"), Buffer.alloc(200, 7));
    await expect(applyGraphPatch(other.base, file("junk.patch"), file("x"))).rejects.toThrow(
      GraphFileFormatError,
    );
    await expect(writeGraphPatch(graph, 500, file("y"))).rejects.toThrow(
      /holds 220 elements, fewer than its base's 500/,
    );
  });
});
