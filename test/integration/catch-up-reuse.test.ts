import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { freshSearchHelpers } from "../support/fresh-search";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

// What a catch-up reuses: the graph file a warm instance wrote, the active graph or a promoted
// snapshot at activation.

const env = useLocalStack();
const { api, search, activeIndex, blobs } = freshSearchHelpers(env);

describe("the graph file kept on a warm instance", () => {
  it("lets the next catch-up read the graph this instance wrote instead of downloading it", async () => {
    const rows = await activeIndex("warm", 200);
    const store = blobs() as unknown as {
      getToFile: (key: string, path: string) => Promise<boolean>;
    };
    const original = store.getToFile;
    const downloads: string[] = [];
    store.getToFile = (key, path) => {
      downloads.push(key);
      return original.call(store, key, path);
    };
    try {
      const index = await env.services.vectors.getIndex("warm");
      // The activation in this process wrote the active graph: it is kept.
      const key = index.active?.graph_key as string;
      expect(env.services.graphFiles.keys()).toEqual([key]);
      // In use elsewhere too (an activation following the same graph): the catch-up only reads it.
      const kept = env.services.graphFiles.acquire(key) as string;
      await upsertAll(api, "warm", randomVectors(20, 8, 77, "w"));
      expect((await env.services.maintenance.catchUp("warm")).outcome).toBe("caught_up");
      expect(downloads).toEqual([]);
      expect(existsSync(kept)).toBe(true);
      await env.services.graphFiles.release(key);
      const caughtUp = await env.services.vectors.getIndex("warm");
      expect(env.services.graphFiles.keys()).toEqual([caughtUp.active?.graph_key]);
      // Another instance (nothing kept) downloads it.
      await env.services.graphFiles.clear();
      await upsertAll(api, "warm", randomVectors(20, 8, 78, "x"));
      expect((await env.services.maintenance.catchUp("warm")).outcome).toBe("caught_up");
      expect(downloads).toEqual([caughtUp.active?.graph_key]);
      // Either way the answers are right.
      const hit = await search("warm", rows[3]?.values as number[], 1);
      expect(hit.results[0]?.id).toBe(rows[3]?.id);
    } finally {
      store.getToFile = original;
    }
  });
});

describe("activation catches up instead of rebuilding", () => {
  it("catches up the active graph under the same m, ef_construction and seed", async () => {
    await activeIndex("same", 100);
    await api.post("/vectors/indexes/same/vectors", { vectors: randomVectors(5, 8, 9, "n") });
    const res = await api.post("/vectors/hnsw/activate/same", {
      default_config: { m: 8, ef_construction: 40, ef_search: 80, seed: 1 },
    });
    expect(res.body).toMatchObject({
      generation: 2,
      graph: "caught_up",
      graph_source: "active",
      vectors_added: 5,
      vectors: 105,
      config: { ef_search: 80 },
    });
    // Nothing new: the graph is copied, with the new ef_search.
    const again = await api.post("/vectors/hnsw/activate/same", {
      default_config: { m: 8, ef_construction: 40, ef_search: 20, seed: 1 },
    });
    expect(again.body).toMatchObject({ generation: 3, graph: "copied", build_time_ms: 0 });
    // Another m is another graph.
    const other = await api.post("/vectors/hnsw/activate/same", {
      default_config: { m: 16, ef_construction: 40, ef_search: 20, seed: 1 },
    });
    expect(other.body).toMatchObject({ generation: 4, graph: "built", graph_source: "new" });
  });

  it("reuses a promoted snapshot that predates the data and catches it up", async () => {
    await api.put("/vectors/indexes/stale", { dimension: 8, metric: "l2" });
    const rows = randomVectors(120, 8, 77);
    await upsertAll(api, "stale", rows);
    await api.post("/vectors/hnsw/evals/stale-h/autogen", { index_name: "stale", count: 5, k: 3 });
    const trial = await api.post("/vectors/hnsw/trial", {
      index_name: "stale",
      harness: "stale-h",
      config: { ef_construction: 40, ef_search: 30, m: 8 },
    });
    await api.post(`/vectors/hnsw/promote/stale/${trial.body.trial_id}`);
    // After the trial: a new vector, a replaced one, a deleted one.
    const added = { id: "late", values: Array(8).fill(0.5), metadata: { n: 1 } };
    const replaced = { id: rows[4]?.id as string, values: Array(8).fill(-0.5), metadata: { n: 2 } };
    await api.post("/vectors/indexes/stale/vectors", { vectors: [added, replaced] });
    await api.delete(`/vectors/indexes/stale/vectors/${rows[6]?.id}`);
    const res = await api.post("/vectors/hnsw/activate/stale", {});
    expect(res.body).toMatchObject({
      generation: 1,
      graph: "caught_up",
      graph_source: "snapshot",
      reused_snapshot: true,
      vectors_added: 2,
      vectors: 120,
    });
    const index = (await api.get("/vectors/indexes/stale")).body;
    expect(index.active).toMatchObject({ labels: 122, deleted_labels: 2 });
    expect((await search("stale", added.values, 1)).results[0]).toEqual({
      id: "late",
      distance: 0,
      metadata: { n: 1 },
    });
    expect((await search("stale", replaced.values, 1)).results[0]).toEqual({
      id: replaced.id,
      distance: 0,
      metadata: { n: 2 },
    });
    const wide = await search("stale", rows[6]?.values as number[], 200);
    expect(wide).toMatchObject({ pending_vectors: 0 });
    expect(wide.results).toHaveLength(120);
    expect(wide.results.map((h) => h.id)).not.toContain(rows[6]?.id);
  });
});
