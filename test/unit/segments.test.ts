import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/domain/errors";
import { assembleIndex } from "../../src/domain/loaded-index";
import { sameMaintenance } from "../../src/domain/maintenance";
import {
  decodeValues,
  encodeValues,
  mergeSegments,
  type VersionedSegment,
  versionRange,
  withVersions,
} from "../../src/domain/segment";
import { checkImportedRows, packBatch } from "../../src/domain/vector-batch";

let nextVersion = 1;
/** A segment of one write: every word gets the next data_version. */
const seg = (ids: string[], values: number[], deleted: string[] = []): VersionedSegment =>
  withVersions(
    { ids, values: new Float32Array(values), metadata: ids.map((id) => ({ id })), deleted },
    nextVersion++,
  );

describe("segments", () => {
  it("round-trips values through little-endian bytes", () => {
    const values = new Float32Array([1.5, -2.25, 3e-7, 0]);
    const bytes = encodeValues(values);
    expect(bytes.byteLength).toBe(16);
    expect(new DataView(bytes.buffer, bytes.byteOffset).getFloat32(4, true)).toBe(-2.25);
    expect(Array.from(decodeValues(bytes, 4))).toEqual(Array.from(values));
    expect(() => decodeValues(bytes, 5)).toThrow("segment has 16 value bytes, expected 20");
  });

  it("folds upserts and deletes in order: a later write wins", () => {
    const segments = [
      seg(["a", "b"], [1, 1, 2, 2]),
      seg(["a", "c"], [9, 9, 3, 3]),
      seg([], [], ["b"]),
      seg(["b"], [4, 4]),
      seg([], [], ["c", "ghost"]),
    ];
    const index = assembleIndex(segments, 2, "l2");
    expect(index.ids).toEqual(["a", "b"]);
    expect(index.raw(index.rowOf.get("a") as number)).toEqual([9, 9]);
    expect(index.raw(index.rowOf.get("b") as number)).toEqual([4, 4]);
    expect(index.metadata).toEqual([{ id: "a" }, { id: "b" }]);
    // Each row carries the version of the write that made it.
    const first = segments[0]?.versions[0] as number;
    expect(Array.from(index.versions)).toEqual([first + 1, first + 3]);
  });

  it("keeps cosine rows as written, with their inverse norms instead of a normalized copy", () => {
    const index = assembleIndex([seg(["a", "b"], [3, 4, 0, 2])], 2, "cosine");
    expect(Array.from(index.data)).toEqual([3, 4, 0, 2]);
    expect(Array.from(index.inverseNorms ?? [])).toEqual([0.2, 0.5]);
    expect(index.raw(0)).toEqual([3, 4]);
    expect(assembleIndex([seg(["a"], [3, 4])], 2, "l2").inverseNorms).toBeUndefined();
  });
});

describe("packBatch", () => {
  it("packs a valid batch row by row", () => {
    const values = packBatch(
      [
        { id: "a", values: [1, 2] },
        { id: "b", values: [3, 4] },
      ],
      2,
      "l2",
    );
    expect(Array.from(values)).toEqual([1, 2, 3, 4]);
  });

  it.each([
    [
      [{ id: "a", values: [1] }],
      "vectors[0].values: got 1 values, expected 2 (the index dimension)",
    ],
    [
      [{ id: "a", values: [1, Number.NaN] }],
      "vectors[0].values[1]: got NaN, expected a finite number",
    ],
    [
      [
        { id: "a", values: [1, 2] },
        { id: "a", values: [1, 2] },
      ],
      'vectors[1].id: duplicate id "a"',
    ],
    [[{ id: "a", values: [0, 0] }], "zero vector has no direction under the cosine metric"],
    [
      [{ id: "a", values: [3.4e38, 3.4e38] }],
      "vectors[0].values: its norm 4.8e38 is too large: distances would overflow 32-bit floats; at most 9.2e18",
    ],
    [
      [{ id: "a", values: [1e-45, 0] }],
      "vectors[0].values: its norm 1.4e-45 is too small to normalize in 32-bit floats under the cosine metric; at least 1.0e-15",
    ],
  ])("refuses %j naming the problem", (vectors, message) => {
    expect(() => packBatch(vectors, 2, "cosine")).toThrow(ValidationError);
    expect(() => packBatch(vectors, 2, "cosine")).toThrow(message);
  });
});

describe("checkImportedRows", () => {
  const rows = Float32Array.of(1, 0, 0, 0, 0, 2);

  it("names the first zero row under cosine, counted from the import's first row", () => {
    expect(() => checkImportedRows(rows, 2, "cosine", 40)).toThrow(ValidationError);
    expect(() => checkImportedRows(rows, 2, "cosine", 40)).toThrow(
      "row 41: the zero vector has no direction under the cosine metric",
    );
    expect(() => checkImportedRows(Float32Array.of(1, 0, 0, 2), 2, "cosine", 0)).not.toThrow();
  });

  it("lets zero and tiny rows through under l2 and ip", () => {
    const tiny = Float32Array.of(1e-45, 0, 0, 0);
    for (const metric of ["l2", "ip"] as const) {
      expect(() => checkImportedRows(rows, 2, metric, 0)).not.toThrow();
      expect(() => checkImportedRows(tiny, 2, metric, 0)).not.toThrow();
    }
  });

  it("names the first row whose norm would overflow a distance, under every metric", () => {
    const huge = Float32Array.of(1, 0, 1e19, 1e19, 2e18, 2e18);
    for (const metric of ["l2", "ip", "cosine"] as const) {
      expect(() => checkImportedRows(huge, 2, metric, 7)).toThrow(
        "row 8: its norm 1.4e19 is too large: distances would overflow 32-bit floats; at most 9.2e18",
      );
      // 2e18 · √2 is within the bound.
      expect(() => checkImportedRows(huge.subarray(4), 2, metric, 0)).not.toThrow();
    }
  });
});

describe("sameMaintenance", () => {
  it("compares the fields either side sets", () => {
    expect(sameMaintenance({ catch_up_fraction: 0.1 }, { catch_up_fraction: 0.1 })).toBe(true);
    expect(sameMaintenance({ catch_up_fraction: 0.1 }, { catch_up_fraction: 0.2 })).toBe(false);
    expect(sameMaintenance({ catch_up_fraction: 0.1 }, {})).toBe(false);
    expect(sameMaintenance({}, { rebuild_deleted_fraction: 0.2 })).toBe(false);
  });
});

describe("mergeSegments", () => {
  it("has the same effect as the segments it replaces, after any prefix", () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const ids = ["a", "b", "c", "d", "e", "f"];
    const randomSegment = (): VersionedSegment => {
      const ups = ids.filter(() => random() < 0.4);
      const dels = ids.filter((id) => !ups.includes(id) && random() < 0.3);
      return seg(
        ups,
        ups.flatMap(() => [Math.fround(random()), Math.fround(random())]),
        dels,
      );
    };
    for (let trial = 0; trial < 50; trial++) {
      const all = Array.from({ length: 8 }, randomSegment);
      const split = 1 + Math.floor(random() * 6);
      const merged = mergeSegments(all.slice(split), 2);
      const direct = assembleIndex(all, 2, "l2");
      const compacted = assembleIndex([...all.slice(0, split), merged], 2, "l2");
      const view = (ix: ReturnType<typeof assembleIndex>) =>
        Object.fromEntries(
          ix.ids.map((id, r) => [id, [ix.raw(r), ix.metadata[r], ix.versions[r]]]),
        );
      expect(view(compacted)).toEqual(view(direct));
      expect(merged.ids.filter((id) => merged.deleted.includes(id))).toEqual([]);
      // The oldest run may drop deletions: nothing older is left for them to shadow.
      const fromStart = mergeSegments(all, 2, Number.MAX_SAFE_INTEGER);
      expect(fromStart.deleted).toEqual([]);
      expect(view(assembleIndex([fromStart], 2, "l2"))).toEqual(view(direct));
    }
  });

  it("keeps each word's version, and drops only deletions at or below the given version", () => {
    const a = withVersions(
      { ids: ["x"], metadata: [null], deleted: [], values: new Float32Array([1, 1]) },
      5,
    );
    const b = withVersions(
      { ids: [], metadata: [], deleted: ["y", "z"], values: new Float32Array() },
      9,
    );
    const c = withVersions(
      { ids: [], metadata: [], deleted: ["w"], values: new Float32Array() },
      12,
    );
    const merged = mergeSegments([a, b, c], 2, 10);
    expect(merged).toMatchObject({
      ids: ["x"],
      versions: [5],
      deleted: ["w"],
      deleted_versions: [12],
    });
    expect(versionRange(merged, 0)).toEqual({ min_version: 5, max_version: 12 });
    expect(versionRange({ versions: [], deleted_versions: [] }, 7)).toEqual({
      min_version: 7,
      max_version: 7,
    });
  });
});
