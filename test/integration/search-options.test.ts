import { describe, expect, it } from "vitest";
import { IndexStates } from "../../src/app/index-states";
import { SearchService } from "../../src/app/search-service";
import { type Hit, rowsWithMetadata, searchFixtures } from "../support/search-fixtures";
import { useLocalStack } from "../support/stacks";
import { randomVectors } from "../support/vectors";

const env = useLocalStack();
const api = env.api;
const { indexOf, search } = searchFixtures(api);

// Batch queries, consistency levels and bad search input, against the emulators.

describe("batch queries", () => {
  it("answers each query as a single search would, in both modes", async () => {
    const rows = rowsWithMetadata(300, 12);
    await indexOf("batch", rows, true);
    await api.post("/vectors/indexes/batch/vectors", { vectors: rowsWithMetadata(5, 13, "late") });
    const queries = randomVectors(20, 6, 31, "q").map((q) => q.values);
    for (const extra of [{}, { exact: true }, { filter: { color: "red" } }, { ef_search: 12 }]) {
      const batch = await search("batch", { queries, k: 6, ...extra });
      expect(batch.results).toHaveLength(20);
      for (let i = 0; i < queries.length; i++) {
        const single = await search("batch", { vector: queries[i], k: 6, ...extra });
        expect(batch.results[i]).toEqual(single.results);
        expect(batch.data_version).toBe(single.data_version);
      }
    }
  });
});

describe("consistency", () => {
  it("strong never misses a write that returned, with concurrent writers", async () => {
    await indexOf("strong", rowsWithMetadata(200, 21), true);
    await Promise.all(
      [0, 1, 2, 3].map(async (w) => {
        for (const row of randomVectors(8, 6, 100 + w, `w${w}-`)) {
          expect(
            (await api.post("/vectors/indexes/strong/vectors", { vectors: [row] })).status,
          ).toBe(200);
          const res = await search("strong", { vector: row.values, k: 1 });
          expect(res.results[0]).toMatchObject({ id: row.id, distance: 0 });
          const deleted = await api.delete(`/vectors/indexes/strong/vectors/${row.id}`);
          expect(deleted.status).toBe(204);
          const after = await search("strong", { vector: row.values, k: 3, consistency: "strong" });
          expect(after.results.map((h: Hit) => h.id)).not.toContain(row.id);
        }
      }),
    );
  });

  it("eventual may miss a write for at most its window, then sees it", async () => {
    await indexOf("eventual", rowsWithMetadata(100, 22), true);
    let clock = 0;
    const deps = (
      env.services.search as unknown as { deps: ConstructorParameters<typeof SearchService>[0] }
    ).deps;
    const catalog = (deps.states as unknown as { deps: { catalog: never } }).deps.catalog;
    const eventual = new SearchService({
      ...deps,
      states: new IndexStates({ catalog, eventualMs: 1000, now: () => clock }),
    });
    const row = { id: "fresh", values: [0.5, 0.5, 0.5, 0.5, 0.5, 0.5] };
    const ask = () =>
      eventual.search("eventual", { queries: [row.values], k: 1, consistency: "eventual" });
    const before = await ask();
    const written = await api.post("/vectors/indexes/eventual/vectors", { vectors: [row] });
    const version = written.body.data_version as number;
    expect(before.data_version).toBe(version - 1);
    // Within the window: the state read at t=0 may answer (and here does): the write is missed.
    clock = 1000;
    const within = await ask();
    expect(within.data_version).toBe(version - 1);
    expect(within.results[0]?.[0]?.id).not.toBe("fresh");
    // Past the window: the catalog is read again, and the write is there.
    clock = 1001;
    const after = await ask();
    expect(after.data_version).toBe(version);
    expect(after.results[0]?.[0]).toMatchObject({ id: "fresh", distance: 0 });
    // A strong search never answers from the window.
    const strong = await eventual.search("eventual", { queries: [row.values], k: 1 });
    expect(strong.data_version).toBe(version);
  });

  it("answers with the data_version it read, at either level, over HTTP", async () => {
    const res = await search("eventual", { vector: [0, 0, 0, 0, 0, 0], consistency: "eventual" });
    expect(res.data_version).toBeGreaterThan(0);
    const strong = await search("eventual", { vector: [0, 0, 0, 0, 0, 0], consistency: "strong" });
    expect(strong.data_version).toBe(
      (await api.get("/vectors/indexes/eventual")).body.data_version,
    );
  });
});

describe("bad search input", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      "an unknown consistency level",
      { vector: [0, 0, 0, 0, 0, 0], consistency: "fresh" },
      /consistency: got "fresh", expected one of strong, eventual/,
    ],
    ["empty queries", { queries: [] }, /queries: must hold at least one query/],
    [
      "oversized queries",
      { queries: Array(101).fill([0, 0, 0, 0, 0, 0]) },
      /queries: holds 101 queries; at most 100/,
    ],
    [
      "mixed dimensions",
      {
        queries: [
          [0, 0, 0, 0, 0, 0],
          [0, 0, 0],
        ],
      },
      /queries\[1\]: got 3 values, but queries\[0\] has 6/,
    ],
    [
      "a wrong dimension",
      {
        queries: [
          [0, 0, 0],
          [1, 1, 1],
        ],
      },
      /queries\[0\]: got 3 values, expected 6/,
    ],
    [
      "both vector and queries",
      { vector: [0, 0, 0, 0, 0, 0], queries: [[0, 0, 0, 0, 0, 0]] },
      /give either vector/,
    ],
    ["neither", { k: 3 }, /vector: give either vector/],
    [
      "an unknown operator",
      { vector: [0, 0, 0, 0, 0, 0], filter: { size: { $between: [1, 2] } } },
      /filter\.size\.\$between: unknown operator/,
    ],
    [
      "a top-level operator",
      { vector: [0, 0, 0, 0, 0, 0], filter: { $not: {} } },
      /filter\.\$not: unknown operator at this level/,
    ],
    [
      "a range on a string",
      { vector: [0, 0, 0, 0, 0, 0], filter: { size: { $gt: "3" } } },
      /filter\.size\.\$gt: got "3", expected a finite number/,
    ],
    [
      "an empty $or",
      { vector: [0, 0, 0, 0, 0, 0], filter: { $or: [] } },
      /filter\.\$or: got an empty array, expected a non-empty array of filters/,
    ],
    [
      "a bad $or member",
      { vector: [0, 0, 0, 0, 0, 0], filter: { $or: [{ color: "red" }, 5] } },
      /filter\.\$or\[1\]: got 5, expected an object of conditions/,
    ],
    [
      "an empty $in",
      { vector: [0, 0, 0, 0, 0, 0], filter: { color: { $in: [] } } },
      /filter\.color\.\$in: got an empty array, expected a non-empty array/,
    ],
    [
      "a null value",
      { vector: [0, 0, 0, 0, 0, 0], filter: { color: null } },
      /filter\.color: got null, expected a string, number or boolean/,
    ],
    [
      "a filter that is not an object",
      { vector: [0, 0, 0, 0, 0, 0], filter: [1] },
      /filter: got an array, expected an object of conditions/,
    ],
  ];
  it.each(cases)("answers 400 naming the field for %s", async (_, body, message) => {
    const res = await api.post("/vectors/indexes/eventual/search", body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(res.body.error.message).toMatch(message);
  });
});
