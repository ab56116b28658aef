import { describe, expect, it } from "vitest";
import { ByteBudget } from "../../src/app/byte-budget";
import { LoadedIndexes, loadedBytes } from "../../src/app/loaded-indexes";
import type { IndexRecord } from "../../src/domain/index-record";
import { assembleIndex } from "../../src/domain/loaded-index";

describe("the byte budget of a warm instance's caches", () => {
  it("gives up the least recently used entries past the budget, never the one just held", () => {
    const given: string[] = [];
    const budget = new ByteBudget<string>(250, (key) => {
      given.push(key);
      return true;
    });
    budget.hold("a", 100);
    budget.hold("b", 100);
    budget.use("a");
    budget.hold("c", 100); // 300 > 250: b (used least recently) goes
    expect(given).toEqual(["b"]);
    expect(budget.bytes()).toBe(200);
    budget.hold("d", 400); // alone over the budget: every other one goes, d stays
    expect(given).toEqual(["b", "a", "c"]);
    expect(budget.bytes()).toBe(400);
  });

  it("keeps an entry its cache cannot give up now, and skips entries not filled yet", () => {
    const budget = new ByteBudget<string>(150, (key) => key !== "busy");
    budget.hold("busy", 100);
    budget.use("filling"); // asked for, nothing held yet
    budget.hold("new", 100);
    expect(budget.bytes()).toBe(200); // busy could not go
    budget.forget("busy");
    expect(budget.bytes()).toBe(100);
  });
});

describe("loaded indexes", () => {
  const record = (uid: string, dataVersion = 1) =>
    ({ uid, dataVersion, dimension: 4, metric: "l2" }) as unknown as IndexRecord;
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
    const cache = new LoadedIndexes(
      async (r) => {
        reads.push(`${r.uid}@${r.dataVersion}`);
        return index(50);
      },
      Math.floor(one * 2.5),
    );
    await cache.get(record("a"));
    await cache.get(record("b"));
    await cache.get(record("a"));
    expect(reads).toEqual(["a@1", "b@1"]);
    await cache.get(record("c")); // b, used least recently, goes
    expect(cache.keptBytes()).toBe(2 * one);
    await cache.get(record("a"));
    await cache.get(record("b"));
    expect(reads).toEqual(["a@1", "b@1", "c@1", "b@1"]);
    await cache.get(record("b", 2)); // a new version replaces the old one
    expect(reads.at(-1)).toBe("b@2");
    expect(cache.keptBytes()).toBe(2 * one); // a and b (c went when b came back)
    cache.forget("b");
    expect(cache.keptBytes()).toBe(one);
    await cache.get(record("c"));
    expect(reads.at(-1)).toBe("c@1");
  });
});
