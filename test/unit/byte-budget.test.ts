import { describe, expect, it } from "vitest";
import { BudgetedLoads } from "../../src/app/budgeted-loads";
import { ByteBudget } from "../../src/app/byte-budget";
import type { SegmentStore } from "../../src/app/segment-store";
import { TailCache } from "../../src/app/tail-cache";
import type { IndexRecord } from "../../src/domain/index-record";
import { assembleIndex, type LoadedIndex, loadedBytes } from "../../src/domain/loaded-index";
import type { VersionedSegment } from "../../src/domain/segment";

describe("the byte budget of a warm instance's caches", () => {
  it("gives up the least recently used entries past the budget, never the one just held", () => {
    const given: string[] = [];
    const budget = new ByteBudget(250);
    const hold = (key: string, bytes: number) =>
      budget.hold(key, bytes, () => {
        given.push(key);
        return true;
      });
    hold("graph/a", 100);
    hold("vectors/b", 100);
    budget.use("graph/a");
    hold("tail/c", 100); // 300 > 250: vectors/b (used least recently) goes, whatever its cache
    expect(given).toEqual(["vectors/b"]);
    expect(budget.bytes()).toBe(200);
    expect(budget.bytes("graph/")).toBe(100);
    hold("graph/d", 400); // alone over the budget: every other one goes, d stays
    expect(given).toEqual(["vectors/b", "graph/a", "tail/c"]);
    expect(budget.bytes()).toBe(400);
  });

  it("keeps an entry its cache cannot give up now, and skips entries not filled yet", () => {
    const budget = new ByteBudget(150);
    budget.hold("busy", 100, () => false);
    budget.use("filling"); // asked for, nothing held yet
    budget.hold("new", 100, () => true);
    expect(budget.bytes()).toBe(200); // busy could not go
    budget.forget("busy");
    expect(budget.bytes()).toBe(100);
  });
});

describe("budgeted loads (the loaded vectors of each index)", () => {
  const index = (rows: number) =>
    assembleIndex(
      [
        {
          ids: Array.from({ length: rows }, (_, i) => `v${i}`),
          metadata: [],
          deleted: [],
          values: new Float32Array(rows * 4),
          versions: Array(rows).fill(1),
          deleted_versions: [],
        },
      ],
      4,
      "l2",
    );

  it("loads each index's version once while kept, within the budget across indexes", async () => {
    const reads: string[] = [];
    const one = loadedBytes(index(50));
    const loads = new BudgetedLoads<LoadedIndex>(
      new ByteBudget(Math.floor(one * 2.5)),
      "vectors",
      (_, loaded) => loadedBytes(loaded),
    );
    const cache = {
      get: (uid: string, version = 1) =>
        loads.get(uid, String(version), async () => {
          reads.push(`${uid}@${version}`);
          return index(50);
        }),
    };
    await cache.get("a");
    await cache.get("b");
    await cache.get("a");
    expect(reads).toEqual(["a@1", "b@1"]);
    await cache.get("c"); // b, used least recently, goes
    expect(loads.keptBytes()).toBe(2 * one);
    await cache.get("a");
    await cache.get("b");
    expect(reads).toEqual(["a@1", "b@1", "c@1", "b@1"]);
    await cache.get("b", 2); // a new version replaces the old one
    expect(reads.at(-1)).toBe("b@2");
    expect(loads.keptBytes()).toBe(2 * one); // a and b (c went when b came back)
    loads.forget("b");
    expect(loads.keptBytes()).toBe(one);
    await cache.get("c");
    expect(reads.at(-1)).toBe("c@1");
  });
});

describe("tails", () => {
  const segment = (rows: number, version: number): VersionedSegment => ({
    ids: Array.from({ length: rows }, (_, i) => `n${i}`),
    metadata: [],
    deleted: [],
    values: new Float32Array(rows * 4),
    versions: Array(rows).fill(version),
    deleted_versions: [],
  });
  const record = (uid: string) =>
    ({
      uid,
      dataVersion: 2,
      dimension: 4,
      metric: "l2",
      segments: [
        { id: `${uid}-s`, vectors: 10, deletes: 0, bytes: 1, min_version: 2, max_version: 2 },
      ],
    }) as unknown as IndexRecord;

  it("keeps each index's tail and segments within the budget it shares", async () => {
    const reads: string[] = [];
    const store = {
      read: async (index: IndexRecord) => {
        reads.push(index.uid);
        return segment(10, 2);
      },
    } as unknown as SegmentStore;
    // One tail holds its 10 rows twice (the folded tail and the segment): 320 bytes.
    const budget = new ByteBudget(500);
    const tails = new TailCache(store, budget);
    expect((await tails.get(record("a"), 1)).ids).toHaveLength(10);
    expect(tails.keptBytes()).toBe(320);
    await tails.get(record("a"), 1);
    expect(reads).toEqual(["a"]);
    await tails.get(record("b"), 1); // 640 > 500: a's goes
    expect(tails.keptBytes()).toBe(320);
    await tails.get(record("a"), 1);
    expect(reads).toEqual(["a", "b", "a"]);
  });
});
