import { describe, expect, it } from "vitest";
import { freshSearchHelpers } from "../support/fresh-search";
import { useLocalStack } from "../support/stacks";

// Deleting many vectors in one request: one segment, one catalog write, reflected at once by
// every search (over the graph too), ids not live left alone, bad batches refused whole.

const env = useLocalStack();
const { api, activeIndex, search } = freshSearchHelpers(env);

const deleteMany = (index: string, body: unknown) =>
  api.post(`/vectors/indexes/${index}/vectors/delete`, body);

describe("deleting vectors in a batch", () => {
  it("deletes the live ids in one write, reflected by graph and exact search at once", async () => {
    const rows = await activeIndex("del-many", 80);
    const before = (await api.get("/vectors/indexes/del-many")).body;
    const doomed = [rows[0], rows[1], rows[2]].map((r) => r?.id as string);

    const res = await deleteMany("del-many", { ids: [...doomed, "never-written"] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ deleted: 3, count: 77, data_version: before.data_version + 1 });

    for (const row of rows.slice(0, 3)) {
      const hnsw = await search("del-many", row.values, 10);
      expect(hnsw.mode).toBe("hnsw");
      expect(hnsw.results.map((h) => h.id)).not.toContain(row.id);
      expect((await api.get(`/vectors/indexes/del-many/vectors/${row.id}`)).status).toBe(404);
    }
    const exact = await api.post("/vectors/indexes/del-many/search", {
      queries: rows.slice(0, 3).map((r) => r.values),
      k: 80,
      exact: true,
    });
    const found = (exact.body.results as { id: string }[][]).flat().map((h) => h.id);
    expect(found.filter((id) => doomed.includes(id))).toEqual([]);
    expect(new Set(found).size).toBe(77);

    // Again: nothing is live any more, so nothing is written.
    const again = await deleteMany("del-many", { ids: doomed });
    expect(again.body).toEqual({ deleted: 0, count: 77, data_version: before.data_version + 1 });
  });

  it("counts every id once when batches overlap and race", async () => {
    const rows = await activeIndex("del-race", 40);
    const ids = rows.map((r) => r.id);
    const batches = [ids.slice(0, 20), ids.slice(10, 30), ids.slice(5, 25)];
    const answers = await Promise.all(batches.map((b) => deleteMany("del-race", { ids: b })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.reduce((n, a) => n + a.body.deleted, 0)).toBe(30);
    const index = (await api.get("/vectors/indexes/del-race")).body;
    expect(index.count).toBe(10);
    const exact = await api.post("/vectors/indexes/del-race/search", {
      vector: rows[0]?.values,
      k: 40,
      exact: true,
    });
    expect(exact.body.results.map((h: { id: string }) => h.id).sort()).toEqual(
      ids.slice(30).sort(),
    );
  });

  it("refuses a bad batch whole with a 400 naming the problem, writing nothing", async () => {
    await activeIndex("del-bad", 10);
    const before = (await api.get("/vectors/indexes/del-bad")).body.data_version;
    const cases: [unknown, string][] = [
      [{ ids: [] }, "ids: must hold at least one id"],
      [{ ids: Array.from({ length: 1001 }, (_, i) => `x${i}`) }, "holds 1001 ids; at most 1000"],
      [{ ids: ["v1", "v2", "v1"] }, 'ids[2]: duplicate id "v1" (also at ids[0])'],
      [{ ids: ["ok", 7] }, "ids[1]"],
      [{ ids: ["x".repeat(257)] }, "ids[0]"],
      [{ ids: ["a"], extra: true }, "extra"],
      [{}, "ids"],
    ];
    for (const [body, message] of cases) {
      const res = await deleteMany("del-bad", body);
      expect(res.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.message).toContain(message);
    }
    expect((await api.get("/vectors/indexes/del-bad")).body.data_version).toBe(before);
    const unknown = await deleteMany("no-such-index", { ids: ["a"] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("index_not_found");
  });
});
