import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openJsonl } from "../../src/cli/readers";
import {
  decodeRows,
  HEADER_BYTES,
  layoutOf,
  type RowFormat,
  rowRange,
} from "../../src/domain/vector-files";
import { encodeNpy, encodeVecs } from "../support/vector-files";

const rows = [
  [1.5, -2, 0.25],
  [3, 4, 5],
  [-0.125, 7, 8],
];

function decodeAll(format: RowFormat, bytes: Uint8Array, from = 0, to?: number) {
  const layout = layoutOf(format, bytes.subarray(0, HEADER_BYTES), bytes.byteLength, `f.${format}`);
  const end = to ?? layout.rows;
  const [a, b] = rowRange(layout, from, end);
  return {
    layout,
    values: Array.from(decodeRows(layout, bytes.subarray(a, b), from, `f.${format}`)),
  };
}

describe("vector files", () => {
  it("decodes every format's rows, whole or from a middle row", () => {
    for (const [format, bytes] of [
      ["npy", encodeNpy(rows)],
      ["npy", encodeNpy(rows, "<f8")],
      ["fvecs", encodeVecs(rows, "fvecs")],
    ] as const) {
      const { layout, values } = decodeAll(format, bytes);
      expect(layout).toMatchObject({ rows: 3, dimension: 3 });
      expect(values).toEqual(rows.flat());
      expect(decodeAll(format, bytes, 1, 3).values).toEqual(rows.slice(1).flat());
    }
    const ints = [
      [1, 2, 255],
      [0, 9, 7],
    ];
    expect(decodeAll("bvecs", encodeVecs(ints, "bvecs")).values).toEqual(ints.flat());
    expect(decodeAll("ivecs", encodeVecs([[-5, 6, 1 << 20]], "ivecs")).values).toEqual([
      -5,
      6,
      1 << 20,
    ]);
  });

  it("refuses a non-finite value naming file, row and value, in the fast and the slow paths", () => {
    const bad = rows.map((r) => [...r]);
    (bad[2] as number[])[1] = Number.NaN;
    expect(() => decodeAll("npy", encodeNpy(bad))).toThrow(/f\.npy: row 2, value 1: got NaN/);
    (bad[2] as number[])[1] = Number.POSITIVE_INFINITY;
    expect(() => decodeAll("fvecs", encodeVecs(bad, "fvecs"))).toThrow(
      /f\.fvecs: row 2, value 1: got Infinity/,
    );
    // A float64 beyond float32's range becomes Infinity: refused too.
    (bad[2] as number[])[1] = 1e40;
    expect(() => decodeAll("npy", encodeNpy(bad, "<f8"))).toThrow(/row 2, value 1: got 1e\+40/);
  });

  it("refuses a row that declares another dimension, and a file that is not whole rows", () => {
    const bytes = encodeVecs(rows, "fvecs");
    new DataView(bytes.buffer).setInt32(16 * 2, 4, true);
    expect(() => decodeAll("fvecs", bytes)).toThrow(
      /row 2 declares dimension 4; the file's rows have 3/,
    );
    const npy = encodeNpy(rows);
    expect(() => layoutOf("npy", npy, npy.byteLength - 4, "cut.npy")).toThrow(/cut\.npy: .*needs/);
  });
});

describe("JSONL records", () => {
  it("refuses metadata over 40 KiB, naming file and row, as the service would", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vectord-jsonl-"));
    try {
      const path = join(dir, "meta.jsonl");
      const lines = [
        { id: "a", values: [1, 2], metadata: { text: "x".repeat(40_960 - 11) } },
        { id: "b", values: [1, 2], metadata: { text: "x".repeat(41_000) } },
      ];
      writeFileSync(path, lines.map((l) => JSON.stringify(l)).join("\n"));
      const source = await openJsonl(path);
      const read = async () => {
        for await (const _ of source.batches(10)) {
          // read every batch
        }
      };
      await expect(read()).rejects.toThrow(
        /meta\.jsonl: row 1: metadata is 41,011 bytes as JSON; at most 40,960/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
