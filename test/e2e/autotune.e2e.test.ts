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
      note: `autotune winner: recall=1.00 p50=${job.winner.metrics.search_latency_p50_us}us`,
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
  });
});
