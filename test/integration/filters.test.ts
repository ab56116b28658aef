import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  COLORS,
  type Hit,
  type Row,
  rowsWithMetadata,
  searchFixtures,
} from "../support/search-fixtures";
import { useLocalStack } from "../support/stacks";
import { randomVectors } from "../support/vectors";

const env = useLocalStack();
const api = env.api;
const { indexOf, search } = searchFixtures(api);

// Metadata filters, in exact and HNSW mode, against a plain model of their semantics.

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
    // At most 3 levels of $and/$or of at most 3 each: within the API's limits (FILTER_LIMITS: 8
    // levels, 64 conditions), which refuse deeper or larger filters with a 400.
    const filter = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true, maxDepth: 3 },
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
      ef_search: 10,
    });
    expect(wide.filter.matched).toBeGreaterThan(250);
    // A broad filter walks the graph, its ef_search widened (also under its first name, efSearch).
    expect(wide.filter).toEqual({
      matched: wide.filter.matched,
      strategy: "graph",
      ef_search: expect.any(Number),
      efSearch: wide.filter.ef_search,
    });
    expect(wide.filter.ef_search).toBeGreaterThanOrEqual(10);
  });

  it("keeps metadata keys that name a JavaScript object's own machinery as plain fields", async () => {
    // JSON.parse makes `__proto__` an own field; a schema that rebuilt the object used to drop it.
    const text = '{"__proto__":{"shade":"dark"},"constructor":"c","n":1}';
    await api.put("/vectors/indexes/filters-keys", { dimension: 2, metric: "l2" });
    const write = await api.post(
      "/vectors/indexes/filters-keys/vectors",
      `{"vectors":[{"id":"odd","values":[1,0],"metadata":${text}},{"id":"plain","values":[0,1]}]}`,
    );
    expect(write.status).toBe(200);
    const stored = JSON.parse(text);
    expect(Object.keys(stored)).toEqual(["__proto__", "constructor", "n"]);
    const read = await api.get("/vectors/indexes/filters-keys/vectors/odd");
    expect(Object.keys(read.body.metadata)).toEqual(["__proto__", "constructor", "n"]);
    expect(read.body.metadata).toEqual(stored);
    const ids = async (filter: Record<string, unknown>) =>
      (await search("filters-keys", { vector: [1, 0], k: 5, filter })).results.map(
        (h: Hit) => h.id,
      );
    expect(await ids({ constructor: "c" })).toEqual(["odd"]);
    // A field the metadata does not have is missing, even when objects inherit that name.
    expect(await ids({ constructor: { $ne: "c" } })).toEqual(["plain"]);
    expect(await ids({ toString: { $nin: [1] } })).toEqual(["odd", "plain"]);
    expect(await ids({ hasOwnProperty: { $gte: 0 } })).toEqual([]);
    const hit = await search("filters-keys", { vector: [1, 0], k: 1 });
    expect(Object.keys(hit.results[0].metadata)).toEqual(["__proto__", "constructor", "n"]);
  });
});
