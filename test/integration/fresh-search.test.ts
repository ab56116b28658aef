import { describe, expect, it } from "vitest";
import { freshSearchHelpers } from "../support/fresh-search";
import { useLocalStack } from "../support/stacks";
import { randomVectors } from "../support/vectors";

// Read-your-writes on the HNSW path, and the maintenance settings that drive catch-ups.

const env = useLocalStack();
const { api, search, activeIndex } = freshSearchHelpers(env);

describe("read-your-writes with an active graph", () => {
  it("finds an upsert, a re-upsert's new values and metadata, and never a deleted id", async () => {
    const rows = await activeIndex("ryw", 200);
    // A new vector: the query is the vector itself.
    const fresh = { id: "new", values: Array(8).fill(0.25), metadata: { tag: "fresh" } };
    expect((await api.post("/vectors/indexes/ryw/vectors", { vectors: [fresh] })).status).toBe(200);
    const found = await search("ryw", fresh.values);
    expect(found).toMatchObject({ mode: "hnsw", generation: 1, pending_vectors: 1 });
    expect(found.results[0]).toEqual({ id: "new", distance: 0, metadata: { tag: "fresh" } });

    // A re-upsert: new values and metadata; the old values are gone.
    const old = rows[7] as { id: string; values: number[] };
    const moved = { id: old.id, values: Array(8).fill(-0.75), metadata: { tag: "moved" } };
    await api.post("/vectors/indexes/ryw/vectors", { vectors: [moved] });
    const atNew = await search("ryw", moved.values);
    expect(atNew.pending_vectors).toBe(2);
    expect(atNew.results[0]).toEqual({ id: old.id, distance: 0, metadata: { tag: "moved" } });
    const atOld = await search("ryw", old.values, 10);
    expect(atOld.results.filter((h) => h.id === old.id).length).toBeLessThanOrEqual(1);
    expect(atOld.results[0]?.distance).toBeGreaterThan(0);
    for (const hit of atOld.results.filter((h) => h.id === old.id)) {
      expect(hit.metadata).toEqual({ tag: "moved" });
    }

    // Metadata only (same values): the graph's row answers with the current metadata.
    const same = rows[9] as { id: string; values: number[] };
    await api.post("/vectors/indexes/ryw/vectors", {
      vectors: [{ ...same, metadata: { tag: "relabelled" } }],
    });
    expect((await search("ryw", same.values)).results[0]).toEqual({
      id: same.id,
      distance: 0,
      metadata: { tag: "relabelled" },
    });

    // A delete, of a graph row and of a pending one.
    const gone = rows[11] as { id: string; values: number[] };
    expect((await api.delete(`/vectors/indexes/ryw/vectors/${gone.id}`)).status).toBe(204);
    expect((await api.delete("/vectors/indexes/ryw/vectors/new")).status).toBe(204);
    const afterDelete = await search("ryw", gone.values, 200);
    expect(afterDelete.results.map((h) => h.id)).not.toContain(gone.id);
    expect(afterDelete.results.map((h) => h.id)).not.toContain("new");
    expect(afterDelete.results).toHaveLength(199);
    expect(new Set(afterDelete.results.map((h) => h.id)).size).toBe(199);

    // Catching up changes none of the answers, and leaves nothing pending.
    expect(await env.services.maintenance.catchUp("ryw")).toMatchObject({
      outcome: "caught_up",
      added: 2,
      deleted: 3,
    });
    const caughtUp = await search("ryw", moved.values);
    expect(caughtUp).toMatchObject({ generation: 2, pending_vectors: 0 });
    expect(caughtUp.results[0]).toEqual({ id: old.id, distance: 0, metadata: { tag: "moved" } });
    expect((await search("ryw", same.values)).results[0]?.metadata).toEqual({ tag: "relabelled" });
    const all = await search("ryw", gone.values, 200);
    expect(all.results).toHaveLength(199);
    expect(all.results.map((h) => h.id)).not.toContain(gone.id);
    const index = (await api.get("/vectors/indexes/ryw")).body;
    expect(index.active).toMatchObject({ generation: 2, labels: 202, deleted_labels: 3 });
  });

  it("keeps exact and HNSW answers for a query equal to a pending vector in agreement", async () => {
    await activeIndex("agree", 100);
    const extra = randomVectors(30, 8, 99, "x");
    await api.post("/vectors/indexes/agree/vectors", { vectors: extra });
    for (const row of extra.slice(0, 5)) {
      const hnsw = await search("agree", row.values, 3);
      const exact = (
        await api.post("/vectors/indexes/agree/search", { vector: row.values, k: 3, exact: true })
      ).body;
      expect(hnsw.results[0]).toEqual(exact.results[0]);
      expect(hnsw.pending_vectors).toBe(30);
    }
  });
});

describe("maintenance settings", () => {
  it("validates them at the edge, naming the field", async () => {
    const res = await api.put("/vectors/indexes/settings", {
      dimension: 4,
      metric: "l2",
      maintenance: { catch_up_fraction: 0, rebuild_deleted_fraction: 2 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /maintenance\.catch_up_fraction: got 0, expected a number from 0\.001 to 1/,
    );
    const unknown = await api.put("/vectors/indexes/settings", {
      dimension: 4,
      metric: "l2",
      maintenance: { catch_up_every: 3 },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/catch_up_every/);
    expect((await api.get("/vectors/indexes/settings")).status).toBe(404);
  });

  it("shows the effective settings and updates only the fields given", async () => {
    await api.put("/vectors/indexes/tuned", { dimension: 4, metric: "l2" });
    expect((await api.get("/vectors/indexes/tuned")).body.maintenance).toEqual({
      catch_up_fraction: 0.05,
      catch_up_max_pending: 10_000,
      rebuild_deleted_fraction: 0.2,
    });
    const updated = await api.put("/vectors/indexes/tuned", {
      dimension: 4,
      metric: "l2",
      maintenance: { catch_up_max_pending: 500 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.maintenance).toEqual({
      catch_up_fraction: 0.05,
      catch_up_max_pending: 500,
      rebuild_deleted_fraction: 0.2,
    });
    await api.put("/vectors/indexes/tuned", {
      dimension: 4,
      metric: "l2",
      maintenance: { catch_up_fraction: 0.1 },
    });
    expect((await api.get("/vectors/indexes/tuned")).body.maintenance).toEqual({
      catch_up_fraction: 0.1,
      catch_up_max_pending: 500,
      rebuild_deleted_fraction: 0.2,
    });
  });
});
