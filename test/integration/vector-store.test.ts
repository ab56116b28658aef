import { describe, expect, it } from "vitest";
import { createClients } from "../../src/clients";
import { localTasks } from "../../src/local/local-tasks";
import { storedKeys } from "../support/objects";
import { useLocalStack } from "../support/stacks";

const env = useLocalStack();
const api = env.api;

const objectKeys = (prefix: string) => storedKeys(env.stack.settings, prefix);

describe("index lifecycle", () => {
  it("creates, confirms, refuses other settings, lists, gets and deletes", async () => {
    const created = await api.put("/vectors/indexes/life", { dimension: 4, metric: "l2" });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: "life",
      dimension: 4,
      metric: "l2",
      count: 0,
      data_version: 0,
    });

    const again = await api.put("/vectors/indexes/life", { dimension: 4, metric: "l2" });
    expect(again.status).toBe(200);
    expect(again.body.created_at).toBe(created.body.created_at);

    const clash = await api.put("/vectors/indexes/life", { dimension: 5, metric: "l2" });
    expect(clash.status).toBe(409);
    expect(clash.body.error.code).toBe("index_exists");
    expect(clash.body.error.message).toContain("dimension 4");

    const list = await api.get("/vectors/indexes");
    expect(list.body.indexes.map((i: { name: string }) => i.name)).toContain("life");
    expect((await api.get("/vectors/indexes/life")).body.dimension).toBe(4);

    await api.post("/vectors/indexes/life/vectors", {
      vectors: [{ id: "x", values: [1, 2, 3, 4] }],
    });
    expect((await objectKeys("indexes/life/")).length).toBeGreaterThan(0);

    expect((await api.delete("/vectors/indexes/life")).status).toBe(204);
    expect((await api.get("/vectors/indexes/life")).status).toBe(404);
    // The objects go in the purge task the delete started.
    await localTasks().drain();
    expect(await objectKeys("indexes/life/")).toEqual([]);
    expect((await api.delete("/vectors/indexes/life")).status).toBe(404);
  });

  it("rejects bad index names and settings with 400s naming the problem", async () => {
    const badName = await api.put("/vectors/indexes/Bad.Name", { dimension: 3, metric: "l2" });
    expect(badName.status).toBe(400);
    expect(badName.body.error.message).toContain("path.index");
    const metric = await api.put("/vectors/indexes/ok", { dimension: 3, metric: "hamming" });
    expect(metric.status).toBe(400);
    expect(metric.body.error.message).toMatch(
      /metric: got "hamming", expected one of l2, cosine, ip/,
    );
    const dim = await api.put("/vectors/indexes/ok", { dimension: 5000, metric: "l2" });
    expect(dim.status).toBe(400);
    expect(dim.body.error.message).toMatch(
      /dimension: got 5000, expected an integer from 1 to 4096/,
    );
    const notJson = await api.put("/vectors/indexes/ok", "{dimension:");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("invalid_json");
    expect((await api.get("/vectors/indexes/ok")).status).toBe(404);
  });
});

describe("vectors", () => {
  it("upserts, replaces by id, reads back, deletes and searches exactly", async () => {
    await api.put("/vectors/indexes/vec", { dimension: 3, metric: "cosine" });
    const first = await api.post("/vectors/indexes/vec/vectors", {
      vectors: [
        { id: "a", values: [1, 0, 0], metadata: { tag: "first" } },
        { id: "b", values: [0, 1, 0] },
        { id: "c", values: [0, 0, 1] },
      ],
    });
    expect(first.body).toEqual({ upserted: 3, count: 3, data_version: 1 });

    const replace = await api.post("/vectors/indexes/vec/vectors", {
      vectors: [
        { id: "a", values: [0.9, 0.1, 0], metadata: { tag: "second" } },
        { id: "d", values: [0.5, 0.5, 0] },
      ],
    });
    expect(replace.body).toEqual({ upserted: 2, count: 4, data_version: 2 });

    const a = await api.get("/vectors/indexes/vec/vectors/a");
    expect(a.body).toEqual({ id: "a", values: [0.9, 0.1, 0], metadata: { tag: "second" } });

    const hits = await api.post("/vectors/indexes/vec/search", { vector: [1, 0, 0], k: 2 });
    expect(hits.body.mode).toBe("exact");
    expect(hits.body.results.map((r: { id: string }) => r.id)).toEqual(["a", "d"]);
    expect(hits.body.results[0].metadata).toEqual({ tag: "second" });
    expect(hits.body.results[0].distance).toBeCloseTo(1 - 0.9 / Math.hypot(0.9, 0.1), 6);

    expect((await api.delete("/vectors/indexes/vec/vectors/a")).status).toBe(204);
    expect((await api.get("/vectors/indexes/vec/vectors/a")).status).toBe(404);
    expect((await api.delete("/vectors/indexes/vec/vectors/a")).status).toBe(404);
    const info = await api.get("/vectors/indexes/vec");
    expect(info.body).toMatchObject({ count: 3, data_version: 3 });
    const after = await api.post("/vectors/indexes/vec/search", { vector: [1, 0, 0] });
    expect(after.body.results.map((r: { id: string }) => r.id)).toEqual(["d", "b", "c"]);
  });

  it("keeps every one of 20 concurrent upserts of distinct ids", async () => {
    await api.put("/vectors/indexes/race", { dimension: 2, metric: "l2" });
    const requests = Array.from({ length: 20 }, (_, w) =>
      api.post("/vectors/indexes/race/vectors", {
        vectors: Array.from({ length: 5 }, (_, i) => ({ id: `w${w}-${i}`, values: [w, i] })),
      }),
    );
    const responses = await Promise.all(requests);
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    const info = await api.get("/vectors/indexes/race");
    expect(info.body).toMatchObject({ count: 100, data_version: 20 });
    const versions = responses.map((r) => r.body.data_version).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const probe = await api.get("/vectors/indexes/race/vectors/w13-4");
    expect(probe.body.values).toEqual([13, 4]);
    const all = await api.post("/vectors/indexes/race/search", { vector: [0, 0], k: 1000 });
    expect(all.body.results).toHaveLength(100);
  });

  it("answers 404 for unknown indexes and vectors", async () => {
    const missing = await api.post("/vectors/indexes/nope/vectors", {
      vectors: [{ id: "a", values: [1] }],
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("index_not_found");
    expect((await api.post("/vectors/indexes/nope/search", { vector: [1] })).status).toBe(404);
    await api.put("/vectors/indexes/few", { dimension: 1, metric: "l2" });
    const vector = await api.get("/vectors/indexes/few/vectors/ghost");
    expect(vector.status).toBe(404);
    expect(vector.body.error.code).toBe("vector_not_found");
  });
});

describe("compaction", () => {
  it("keeps the segment list short through many small writes, without changing the data", async () => {
    const { createCatalog } = await import("../../src/wiring");
    const clients = createClients(env.stack.settings);
    const catalog = createCatalog(env.stack.settings, clients);
    await api.put("/vectors/indexes/many", { dimension: 2, metric: "l2" });
    const expected = new Map<string, number[]>();
    for (let i = 0; i < 60; i++) {
      const id = `v${i % 25}`;
      if (i % 7 === 6) {
        // delete one that is live
        const victim = [...expected.keys()][0] as string;
        expect((await api.delete(`/vectors/indexes/many/vectors/${victim}`)).status).toBe(204);
        expected.delete(victim);
      } else {
        expect(
          (await api.post("/vectors/indexes/many/vectors", { vectors: [{ id, values: [i, -i] }] }))
            .status,
        ).toBe(200);
        expected.set(id, [i, -i]);
      }
    }
    // Compaction runs as a task of its own after the writes: wait for it, then look.
    await localTasks().drain();
    const record = await catalog.get("many");
    // 60 one-vector writes: tiered merges keep at most fanout - 1 segments per tier.
    expect(record?.segments.length).toBeLessThanOrEqual(9);
    expect(record?.dataVersion).toBe(60);
    const info = (await api.get("/vectors/indexes/many")).body;
    expect(info.count).toBe(expected.size);
    for (const [id, values] of expected) {
      expect((await api.get(`/vectors/indexes/many/vectors/${id}`)).body.values).toEqual(values);
    }
    const all = await api.post("/vectors/indexes/many/search", { vector: [0, 0], k: 100 });
    expect(all.body.results.map((r: { id: string }) => r.id).sort()).toEqual(
      [...expected.keys()].sort(),
    );
    // Only the referenced segments are left in storage (values, manifest and id digest each).
    const keys = await objectKeys(`indexes/many/${record?.uid}/segments/`);
    expect(keys.length).toBeGreaterThanOrEqual(2 * (record?.segments.length ?? 0));
    const referenced = new Set(record?.segments.map((s) => s.id));
    expect(keys.every((k) => referenced.has(k.split("/").at(-1)?.split(".")[0] as string))).toBe(
      true,
    );
  });

  it("loses nothing when 60 concurrent writers race the compactions they start", async () => {
    await api.put("/vectors/indexes/many-race", { dimension: 2, metric: "l2" });
    const responses = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        api.post("/vectors/indexes/many-race/vectors", {
          vectors: [{ id: `r${i}`, values: [i, i] }],
        }),
      ),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const info = (await api.get("/vectors/indexes/many-race")).body;
    expect(info).toMatchObject({ count: 60, data_version: 60 });
    await localTasks().drain();
    const all = await api.post("/vectors/indexes/many-race/search", { vector: [0, 0], k: 100 });
    expect(all.body.results).toHaveLength(60);
    expect((await api.get("/vectors/indexes/many-race/vectors/r59")).body.values).toEqual([59, 59]);
  });
});

describe("ids in paths", () => {
  it("reads and deletes vectors whose ids need percent-encoding", async () => {
    await api.put("/vectors/indexes/odd-ids", { dimension: 1, metric: "l2" });
    const ids = ["50% off", "ümlaut ?#", "q=1&r=2"];
    await api.post("/vectors/indexes/odd-ids/vectors", {
      vectors: ids.map((id, i) => ({ id, values: [i] })),
    });
    for (const [i, id] of ids.entries()) {
      const res = await api.get(`/vectors/indexes/odd-ids/vectors/${encodeURIComponent(id)}`);
      expect(res.body).toEqual({ id, values: [i], metadata: null });
    }
    expect(
      (await api.delete(`/vectors/indexes/odd-ids/vectors/${encodeURIComponent("50% off")}`))
        .status,
    ).toBe(204);
    expect((await api.get("/vectors/indexes/odd-ids")).body.count).toBe(2);
    const malformed = await api.get("/vectors/indexes/odd-ids/vectors/%E0%A4%A");
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe("invalid_path");
  });
});
