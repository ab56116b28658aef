import { afterEach, describe, expect, it } from "vitest";
import { localWorkflow } from "../../src/local/local-workflow";
import { autotuneHelpers } from "../support/autotune";
import { useLocalStack } from "../support/stacks";
import { randomVectors } from "../support/vectors";

const env = useLocalStack();
const api = env.api;
const { indexWithHarness, autotune, finished } = autotuneHelpers(api);
afterEach(() => {
  localWorkflow().intercept(undefined);
});

describe("policies and triggers", () => {
  it("stores, shows and deletes a policy, validating it", async () => {
    await indexWithHarness("pol");
    const put = await api.put("/vectors/hnsw/autotune/policies/pol", {
      harness: "pol-h",
      every_minutes: 10,
      min_new_vectors: 100,
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      index_name: "pol",
      harness: "pol-h",
      min_recall: 0.9,
      every_minutes: 10,
      min_new_vectors: 100,
      grid: null,
    });
    expect((await api.get("/vectors/hnsw/autotune/policies/pol")).body.every_minutes).toBe(10);
    expect(
      (await api.put("/vectors/hnsw/autotune/policies/pol", { harness: "pol-h", every_minutes: 4 }))
        .status,
    ).toBe(400);
    expect(
      (
        await api.put("/vectors/hnsw/autotune/policies/pol", {
          harness: "pol-h",
          min_new_vectors: 0,
        })
      ).status,
    ).toBe(400);
    expect(
      (await api.put("/vectors/hnsw/autotune/policies/pol", { harness: "nope", every_minutes: 5 }))
        .status,
    ).toBe(404);
    // A policy with no trigger would never start.
    const idle = await api.put("/vectors/hnsw/autotune/policies/pol", { harness: "pol-h" });
    expect(idle.status).toBe(400);
    expect(idle.body.error.message).toBe(
      "body: give every_minutes (a schedule), min_new_vectors (after appends), or both: a policy with neither would never start",
    );
    expect((await api.delete("/vectors/hnsw/autotune/policies/pol")).status).toBe(204);
    expect((await api.get("/vectors/hnsw/autotune/policies/pol")).status).toBe(404);
    expect((await api.delete("/vectors/hnsw/autotune/policies/pol")).status).toBe(404);
  });

  it("starts only the indexes whose schedule is due", async () => {
    for (const name of ["due", "fresh", "append-only"]) await indexWithHarness(name);
    await api.put("/vectors/hnsw/autotune/policies/due", { harness: "due-h", every_minutes: 5 });
    await api.put("/vectors/hnsw/autotune/policies/fresh", {
      harness: "fresh-h",
      every_minutes: 5,
    });
    await api.put("/vectors/hnsw/autotune/policies/append-only", {
      harness: "append-only-h",
      min_new_vectors: 1000,
    });
    // "fresh" was tuned just now: not due for five minutes.
    await autotune({ index_name: "fresh", harness: "fresh-h", wait_seconds: 25 });

    const schedule = (await import("../../functions/autotune-schedule")).handler;
    const result = await schedule({ time: new Date().toISOString() });
    expect(result.started).toContain("due");
    expect(result.started).not.toContain("fresh");
    expect(result.started).not.toContain("append-only");
    expect(result.skipped).toContain("fresh");

    const dueJobs = (await api.get("/vectors/hnsw/autotune?index_name=due")).body.jobs;
    expect(dueJobs).toHaveLength(1);
    expect(dueJobs[0].trigger).toBe("schedule");
    expect((await finished(dueJobs[0].job_id)).status).toBe("SUCCEEDED");
    expect((await api.get("/vectors/hnsw/autotune?index_name=append-only")).body.jobs).toHaveLength(
      0,
    );
    expect((await api.get("/vectors/hnsw/autotune/policies/due")).body.last_job_id).toBe(
      dueJobs[0].job_id,
    );
    // Changing the settings keeps the start bookkeeping: the schedule does not start it again.
    const changed = await api.put("/vectors/hnsw/autotune/policies/due", {
      harness: "due-h",
      every_minutes: 5,
      min_recall: 0.5,
    });
    expect(changed.body).toMatchObject({ min_recall: 0.5, last_job_id: dueJobs[0].job_id });
    expect((await schedule({})).started).not.toContain("due");
  });

  it("starts once when appends pass min_new_vectors, refreshing the harness first", async () => {
    await indexWithHarness("grow");
    await api.put("/vectors/hnsw/autotune/policies/grow", {
      harness: "grow-h",
      min_new_vectors: 30,
    });
    await api.post("/vectors/indexes/grow/vectors", { vectors: randomVectors(20, 8, 5, "a") });
    expect((await api.get("/vectors/hnsw/autotune?index_name=grow")).body.jobs).toHaveLength(0);
    await api.post("/vectors/indexes/grow/vectors", { vectors: randomVectors(15, 8, 6, "b") });
    await api.post("/vectors/indexes/grow/vectors", { vectors: randomVectors(5, 8, 7, "c") });
    const jobs = (await api.get("/vectors/hnsw/autotune?index_name=grow")).body.jobs;
    expect(jobs).toHaveLength(1);
    expect(jobs[0].trigger).toBe("append");
    const job = await finished(jobs[0].job_id);
    expect(job.status).toBe("SUCCEEDED");
    // The harness was refreshed for the new data (version 3, the write that crossed the
    // threshold) before it was measured; the trials measured that data or later.
    const harness = (await api.get("/vectors/hnsw/evals/grow-h")).body;
    expect(harness.data_version).toBeGreaterThanOrEqual(3);
    expect(harness.refreshed_at > harness.created_at).toBe(true);
    for (const trial of job.trials)
      expect(trial.data_version).toBeGreaterThanOrEqual(harness.data_version);
  });
});
