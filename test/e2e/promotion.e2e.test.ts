import { describe, expect, it } from "vitest";
import { useServerProcesses } from "../support/stacks";
import { randomVectors } from "../support/vectors";

const servers = useServerProcesses("promotion");

describe("promote, roll back, restart, activate over HTTP", () => {
  it("keeps the registry across a restart and activates the promoted config", async () => {
    const first = await servers.start();
    let api = first.api;
    await api.put("/vectors/indexes/e2e-promo", { dimension: 16, metric: "l2" });
    await api.post("/vectors/indexes/e2e-promo/vectors", { vectors: randomVectors(54, 16, 31) });
    await api.post("/vectors/hnsw/evals/e2e-promo-h/autogen", {
      index_name: "e2e-promo",
      count: 10,
    });
    const trial = async (ef_construction: number) =>
      (
        await api.post("/vectors/hnsw/trial", {
          index_name: "e2e-promo",
          harness: "e2e-promo-h",
          config: { ef_construction, ef_search: 30 },
        })
      ).body.trial_id as string;
    const a = await trial(20);
    const b = await trial(80);

    expect((await api.post(`/vectors/hnsw/promote/e2e-promo/${a}`)).body.current.trial_id).toBe(a);
    const promotedB = await api.post(
      `/vectors/hnsw/promote/e2e-promo/${b}?promoted_by=e2e&note=second`,
    );
    expect(promotedB.body).toMatchObject({ current: { trial_id: b }, history_depth: 1 });
    expect((await api.post("/vectors/hnsw/rollback/e2e-promo")).body.current.trial_id).toBe(a);
    expect((await api.post("/vectors/hnsw/rollback/e2e-promo")).body.current).toBeNull();
    expect((await api.post(`/vectors/hnsw/promote/e2e-promo/${b}`)).body.current.trial_id).toBe(b);

    expect(await first.server.stop()).toBe(0);
    const second = await servers.start();
    api = second.api;

    const promoted = await api.get("/vectors/hnsw/promoted/e2e-promo");
    expect(promoted.body.current).toMatchObject({
      trial_id: b,
      config: { ef_construction: 80, ef_search: 30 },
    });

    const activated = await api.post("/vectors/hnsw/activate/e2e-promo", {});
    expect(activated.body).toMatchObject({
      config_source: "promoted",
      config: { ef_construction: 80, ef_search: 30, m: 16, seed: 42 },
      generation: 1,
      vectors: 54,
    });
    // B's graph was built from exactly this data but the harness's 10 query vectors, held out of
    // it: activation serves its snapshot with those added.
    expect(activated.body).toMatchObject({ reused_snapshot: true, vectors_added: 10 });
    const line = `reusing HNSW snapshot trial=${b} ef_construction=80 ef_search=30 m=16 seed=42, caught up: added=10 deleted=0`;
    expect(second.server.output()).toContain(`"message":"${line}"`);
    expect(second.server.output()).not.toContain("built HNSW");

    const search = await api.post("/vectors/indexes/e2e-promo/search", {
      vector: Array(16).fill(0),
      k: 3,
    });
    expect(search.body).toMatchObject({ mode: "hnsw", generation: 1, pending_vectors: 0 });
  });
});
