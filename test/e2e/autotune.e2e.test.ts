import { describe, expect, it } from "vitest";
import { useServerProcesses } from "../support/stacks";
import { randomVectors } from "../support/vectors";

const servers = useServerProcesses("autotune");

describe("autotune over HTTP", () => {
  it("tunes, promotes the winner, and activation uses it", async () => {
    const { server, api } = await servers.start();
    await api.put("/vectors/indexes/e2e-tune", { dimension: 16, metric: "cosine" });
    await api.post("/vectors/indexes/e2e-tune/vectors", { vectors: randomVectors(54, 16, 77) });
    await api.post("/vectors/hnsw/evals/e2e-tune-h/autogen", { index_name: "e2e-tune", count: 10 });

    const res = await api.post("/vectors/hnsw/autotune", {
      index_name: "e2e-tune",
      harness: "e2e-tune-h",
      wait_seconds: 25,
    });
    expect(res.status).toBe(200);
    const job = res.body;
    expect(job.status).toBe("SUCCEEDED");
    expect(job.trials).toHaveLength(5);
    expect(job.promoted).toBe(true);
    expect(job.winner.metrics.recall_at_k).toBe(1);

    const promoted = (await api.get("/vectors/hnsw/promoted/e2e-tune")).body.current;
    expect(promoted).toMatchObject({
      trial_id: job.winner.trial_id,
      promoted_by: "autotune",
      note: `autotune winner: recall=1.0000 p50=${job.winner.metrics.search_latency_p50_us}us`,
    });

    const activated = (await api.post("/vectors/hnsw/activate/e2e-tune", {})).body;
    expect(activated).toMatchObject({
      config_source: "promoted",
      config: job.winner.config,
      reused_snapshot: true,
    });
    expect(server.output()).toContain(`reusing HNSW snapshot trial=${job.winner.trial_id}`);
    expect(server.output()).toMatch(/"message":"autotune started".*"trigger":"api"/);
    expect(server.output()).toMatch(/"message":"autotune finished".*"status":"SUCCEEDED"/);
    await server.stop(); // the next test starts its own on the same data directory
  });

  it("tunes to a recall target: target_recall 0.95 promotes a config that meets it", async () => {
    const { api } = await servers.start();
    await api.put("/vectors/indexes/e2e-target", { dimension: 16, metric: "l2" });
    await api.post("/vectors/indexes/e2e-target/vectors", { vectors: randomVectors(500, 16, 3) });
    await api.post("/vectors/hnsw/evals/e2e-target-h/autogen", {
      index_name: "e2e-target",
      count: 20,
    });
    const res = await api.post("/vectors/hnsw/autotune", {
      index_name: "e2e-target",
      harness: "e2e-target-h",
      strategy: "target_recall",
      min_recall: 0.95,
      space: { m: [8, 16], ef_construction: { min: 20, max: 80 } },
      max_builds: 4,
      wait_seconds: 25,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: "SUCCEEDED",
      strategy: "target_recall",
      promoted: true,
    });
    expect(res.body.winner.metrics.recall_at_k).toBeGreaterThanOrEqual(0.95);
    expect(res.body.progress.builds_done).toBeLessThanOrEqual(4);
    const promoted = (await api.get("/vectors/hnsw/promoted/e2e-target")).body.current;
    expect(promoted.trial_id).toBe(res.body.winner.trial_id);
    expect(promoted.metrics.recall_at_k).toBeGreaterThanOrEqual(0.95);
  });
});
