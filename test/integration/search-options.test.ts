import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IndexStates } from "../../src/app/index-states";
import { SearchService } from "../../src/app/search-service";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

// Consistency levels, batch queries and metadata filters, against the emulators.

const env = useLocalStack();
const api = env.api;

type Hit = { id: string; distance: number; metadata: Record<string, unknown> | null };
type Row = { id: string; values: number[]; metadata?: Record<string, unknown> };

const COLORS = ["red", "green", "blue"];

/** Rows with metadata of every kind a filter meets: strings, numbers, arrays, none. */
function rowsWithMetadata(count: number, seed: number, prefix = "v"): Row[] {
  return randomVectors(count, 6, seed, prefix).map((row, i) => ({
    ...row,
    ...(i % 10 === 9
      ? {}
      : {
          metadata: {
            color: COLORS[i % 3],
            size: (i * 7) % 100,
            tags: i % 2 === 0 ? ["even", `t${i % 5}`] : [`t${i % 5}`],
            ...(i % 4 === 0 ? { flag: true } : {}),
          },
        }),
  }));
}

async function indexOf(name: string, rows: Row[], activate: boolean) {
  // Pending vectors stay pending: these tests search the graph and the tail together.
  const created = await api.put(`/vectors/indexes/${name}`, {
    dimension: 6,
    metric: "l2",
    maintenance: { catch_up_fraction: 1 },
  });
  expect(created.status).toBe(201);
  await upsertAll(api, name, rows);
  if (activate) {
    const res = await api.post(`/vectors/hnsw/activate/${name}`, {
      default_config: { m: 8, ef_construction: 60, ef_search: 40, seed: 3 },
    });
    expect(res.status).toBe(200);
  }
}

const search = async (index: string, body: Record<string, unknown>) => {
  const res = await api.post(`/vectors/indexes/${index}/search`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
};

// ---- a plain model of the filter semantics, written independently of src/domain/filter.ts ----
type Model = (m: Record<string, unknown> | undefined) => boolean;
function model(filter: Record<string, unknown>): Model {
  const parts: Model[] = Object.entries(filter).map(([key, cond]) => {
    if (key === "$and") return (m) => (cond as Record<string, unknown>[]).every((f) => model(f)(m));
    if (key === "$or") return (m) => (cond as Record<string, unknown>[]).some((f) => model(f)(m));
    const ops =
      typeof cond === "object" && cond !== null ? Object.entries(cond) : [["$eq", cond] as const];
    return (m) =>
      ops.every(([op, operand]) => {
        const raw = m?.[key];
        const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
        const any = (test: (v: unknown) => boolean) => values.some(test);
        switch (op) {
          case "$eq":
            return any((v) => v === operand);
          case "$ne":
            return !any((v) => v === operand);
          case "$in":
            return any((v) => (operand as unknown[]).includes(v));
          case "$nin":
            return !any((v) => (operand as unknown[]).includes(v));
          case "$gt":
            return any((v) => typeof v === "number" && v > (operand as number));
          case "$gte":
            return any((v) => typeof v === "number" && v >= (operand as number));
          case "$lt":
            return any((v) => typeof v === "number" && v < (operand as number));
          case "$lte":
            return any((v) => typeof v === "number" && v <= (operand as number));
          default:
            throw new Error(`model: ${op}`);
        }
      });
  });
  return (m) => parts.every((p) => p(m));
}

function exactFiltered(rows: Row[], query: number[], k: number, keep: Model): string[] {
  return rows
    .filter((r) => keep(r.metadata))
    .map((r) => ({
      id: r.id,
      d: r.values.reduce((s, x, j) => s + (x - (query[j] as number)) ** 2, 0),
    }))
    .sort((a, b) => a.d - b.d)
    .slice(0, k)
    .map((r) => r.id);
}

const FILTERS: Record<string, unknown>[] = [
  { color: "red" },
  { color: { $eq: "green" } },
  { color: { $ne: "green" } },
  { color: { $in: ["red", "blue"] } },
  { color: { $nin: ["red", "blue"] } },
  { size: { $gte: 20, $lt: 60 } },
  { size: { $gt: 95 } },
  { size: { $lte: 3 } },
  { tags: "even" },
  { tags: { $in: ["t1", "t3"] } },
  { flag: true },
  { color: "blue", size: { $lt: 50 } },
  { $or: [{ color: "red" }, { size: { $gt: 90 } }] },
  { $and: [{ tags: "even" }, { $or: [{ color: "green" }, { flag: true }] }] },
  { color: "purple" },
  {},
];

describe("metadata filters", () => {
  const rows = rowsWithMetadata(400, 5);
  const queries = randomVectors(8, 6, 77, "q").map((q) => q.values);

  it("matches a plain model exactly in exact mode", async () => {
    await indexOf("filters-exact", rows, false);
    for (const filter of FILTERS) {
      const keep = model(filter);
      for (const query of queries.slice(0, 3)) {
        const res = await search("filters-exact", { vector: query, k: 7, filter });
        expect(res.mode).toBe("exact");
        expect(
          res.results.map((h: Hit) => h.id),
          JSON.stringify(filter),
        ).toEqual(exactFiltered(rows, query, 7, keep));
      }
    }
  });

  it("matches the model for random filters (property-based, exact mode)", async () => {
    const scalar = fc.oneof(
      fc.constantFrom(...COLORS, "even", "t1", "t2"),
      fc.integer({ min: 0, max: 99 }),
      fc.boolean(),
    );
    const leaf = fc.oneof(
      fc
        .record({ key: fc.constantFrom("color", "tags", "flag"), value: scalar })
        .map(({ key, value }) => ({ [key]: value })),
      fc
        .record({
          op: fc.constantFrom("$gt", "$gte", "$lt", "$lte"),
          value: fc.integer({ min: -5, max: 105 }),
        })
        .map(({ op, value }) => ({ size: { [op]: value } })),
      fc
        .record({
          op: fc.constantFrom("$in", "$nin"),
          values: fc.array(scalar, { minLength: 1, maxLength: 3 }),
        })
        .map(({ op, values }) => ({ color: { [op]: values } })),
    );
    const filter = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        leaf,
        fc.record({ $and: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
        fc.record({ $or: fc.array(tie("node"), { minLength: 1, maxLength: 3 }) }),
      ),
    })).node;
    await fc.assert(
      fc.asyncProperty(filter, fc.constantFrom(...queries), async (f, query) => {
        const res = await search("filters-exact", { vector: query, k: 5, filter: f, exact: true });
        expect(res.results.map((h: Hit) => h.id)).toEqual(
          exactFiltered(rows, query, 5, model(f as Record<string, unknown>)),
        );
      }),
      { numRuns: 40 },
    );
  });

  it("never returns a non-matching vector in HNSW mode, pending writes included, and keeps recall", async () => {
    await indexOf("filters-hnsw", rows, true);
    // Pending writes: new rows, a replaced row whose metadata changed, a deleted row.
    const pending = rowsWithMetadata(30, 9, "p");
    await api.post("/vectors/indexes/filters-hnsw/vectors", { vectors: pending });
    const changed = { ...(rows[0] as Row), metadata: { color: "purple", size: 1 } };
    await api.post("/vectors/indexes/filters-hnsw/vectors", { vectors: [changed] });
    await api.delete(`/vectors/indexes/filters-hnsw/vectors/${rows[3]?.id}`);
    const now = [changed, ...rows.slice(1).filter((r) => r.id !== rows[3]?.id), ...pending];
    let found = 0;
    let wanted = 0;
    const strategies = new Set<string>();
    // ef_search 10 makes broad filters walk the graph (narrow ones still scan the matches).
    for (const [filter, ef] of [...FILTERS, { color: "purple" }].flatMap((f) => [
      [f, 40],
      [f, 10],
    ]) as [Record<string, unknown>, number][]) {
      const keep = model(filter);
      for (const query of queries) {
        const res = await search("filters-hnsw", { vector: query, k: 7, filter, ef_search: ef });
        if (res.filter) strategies.add(res.filter.strategy);
        expect(res).toMatchObject({ mode: "hnsw", pending_vectors: 31 });
        const byId = new Map(now.map((r) => [r.id, r]));
        for (const hit of res.results as Hit[]) {
          // Every hit matches, with its current metadata.
          expect(keep(byId.get(hit.id)?.metadata), `${hit.id} ${JSON.stringify(filter)}`).toBe(
            true,
          );
          expect(hit.metadata).toEqual(byId.get(hit.id)?.metadata ?? null);
        }
        const truth = exactFiltered(now, query, 7, keep);
        expect(res.results).toHaveLength(truth.length);
        const got = new Set(res.results.map((h: Hit) => h.id));
        found += truth.filter((id) => got.has(id)).length;
        wanted += truth.length;
      }
    }
    expect(strategies).toEqual(new Set(["graph", "scan"]));
    expect(found / wanted).toBeGreaterThan(0.9);
  });

  it("says how a filtered graph search ran", async () => {
    const res = await search("filters-hnsw", {
      vector: queries[0],
      k: 5,
      filter: { size: { $lt: 2 } },
    });
    expect(res.filter).toEqual({ matched: expect.any(Number), strategy: "scan" });
    const wide = await search("filters-hnsw", {
      vector: queries[0],
      k: 5,
      filter: { flag: { $ne: true } },
    });
    expect(wide.filter.matched).toBeGreaterThan(250);
  });
});

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
      /filter\.\$or: got an array, expected a non-empty array of filters/,
    ],
    [
      "a bad $or member",
      { vector: [0, 0, 0, 0, 0, 0], filter: { $or: [{ color: "red" }, 5] } },
      /filter\.\$or\[1\]: got 5, expected an object of conditions/,
    ],
    [
      "an empty $in",
      { vector: [0, 0, 0, 0, 0, 0], filter: { color: { $in: [] } } },
      /filter\.color\.\$in: got an array, expected a non-empty array/,
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
