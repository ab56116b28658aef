import { describe, expect, it } from "vitest";
import { TrialRuns } from "../../src/app/trial-runs";
import { localTasks } from "../../src/local/local-tasks";
import { runRecordsOf, taskRunsWith, ULID, untilEnded } from "../support/runs";
import { useLocalStack } from "../support/stacks";
import { indexWithHarness, randomVectors, upsertAll } from "../support/vectors";

// A manual trial builds a graph over the whole index: it runs as a task of its own, and the
// request records it and waits a bounded time.

const env = useLocalStack();
const api = env.api;
const CONFIG = { m: 8, ef_construction: 40, ef_search: 40, seed: 1 };

const ended = (index: string, id: string) =>
  untilEnded(api, `/vectors/hnsw/trial-runs/${index}/${id}`);

/** The records of every trial run on `index` (the harnesses' own runs are on it too). */
const trialRunsOf = async (index: string) =>
  (await runRecordsOf(env.stack.settings, index)).filter((run) => run.kind === "trial");

/** Trial runs over the stack's own store and trials, with tasks recorded but never run. */
function trialRunsWithoutTasks() {
  const started: string[] = [];
  const runs = taskRunsWith(env.stack.settings, {
    start: async (task, _index, id) => {
      started.push(`${task}:${id}`);
    },
  });
  return { trialRuns: new TrialRuns({ runs, trials: env.services.trials }), started };
}

describe("trials as tasks", () => {
  it("answers 202 with the run to poll when asked not to wait; it ends with the journaled trial", async () => {
    await indexWithHarness(api, "tr-poll", { count: 60, dimension: 8, seed: 3, queries: 5 });
    const res = await api.post("/vectors/hnsw/trial?wait_seconds=0", {
      index_name: "tr-poll",
      harness: "tr-poll-h",
      config: CONFIG,
      note: "polled",
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      index_name: "tr-poll",
      run_id: expect.stringMatching(ULID),
      status: "RUNNING",
      harness: "tr-poll-h",
      config: CONFIG,
      note: "polled",
      result: null,
      error: null,
    });
    expect(res.headers.location).toBe(`/vectors/hnsw/trial-runs/tr-poll/${res.body.run_id}`);
    const done = await ended("tr-poll", res.body.run_id);
    expect(done).toMatchObject({
      status: "SUCCEEDED",
      finished_at: expect.any(String),
      result: { index_name: "tr-poll", harness: "tr-poll-h", config: CONFIG, note: "polled" },
      error: null,
    });
    expect(done.result.index_uid).toBeUndefined();
    // The run's trial is the journal's.
    const journaled = await api.get(`/vectors/hnsw/trials/tr-poll/${done.result.trial_id}`);
    expect(journaled.status).toBe(200);
    expect(journaled.body).toEqual(done.result);
  });

  it("answers 201 with the trial and its run when it ends within the wait; a retried task does nothing", async () => {
    await indexWithHarness(api, "tr-wait", { count: 40, dimension: 8, seed: 4, queries: 4 });
    const res = await api.post("/vectors/hnsw/trial", {
      index_name: "tr-wait",
      harness: "tr-wait-h",
      config: CONFIG,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      trial_id: expect.any(String),
      run_id: expect.stringMatching(ULID),
      config: CONFIG,
      note: null,
    });
    expect(await env.services.trialRuns.run("tr-wait", res.body.run_id)).toBeNull();
    const journal = await api.get("/vectors/hnsw/trials/tr-wait");
    expect(journal.body.trials).toHaveLength(1);
  });

  it("records a typed failure inside the task and answers it when polled", async () => {
    await indexWithHarness(api, "tr-fail", { count: 30, dimension: 8, seed: 5, queries: 3 });
    const { trialRuns, started } = trialRunsWithoutTasks();
    const run = await trialRuns.submit(
      "tr-fail",
      { harness: "tr-fail-h", config: CONFIG, note: null },
      0,
    );
    expect(run.status).toBe("RUNNING");
    expect(started).toEqual([`trial:${run.run_id}`]);
    // New vectors before the task runs: its ground truth is stale, and the task says so.
    await upsertAll(api, "tr-fail", randomVectors(3, 8, 99));
    expect(await trialRuns.run("tr-fail", run.run_id)).toMatchObject({
      status: "FAILED",
      result: null,
      error: { kind: "ConflictError", code: "stale_harness" },
    });
    const polled = await api.get(`/vectors/hnsw/trial-runs/tr-fail/${run.run_id}`);
    expect(polled.body).toMatchObject({ status: "FAILED", error: { code: "stale_harness" } });
    expect((await api.get("/vectors/hnsw/trials/tr-fail")).body.trials).toEqual([]);
  });

  it("refuses bad trials before recording anything, and keeps kinds of runs apart", async () => {
    await indexWithHarness(api, "tr-bad", { count: 30, dimension: 8, seed: 6, queries: 3 });
    await indexWithHarness(api, "tr-other", { count: 30, dimension: 8, seed: 7, queries: 3 });
    await upsertAll(api, "tr-other", randomVectors(2, 8, 70));
    const trial = (body: Record<string, unknown>, query = "") =>
      api.post(`/vectors/hnsw/trial${query}`, {
        index_name: "tr-bad",
        harness: "tr-bad-h",
        config: CONFIG,
        ...body,
      });
    for (const [body, query, status, code] of [
      [{}, "?wait_seconds=26", 400, "invalid_request"],
      [{ config: { ...CONFIG, m: 0 } }, "", 400, "invalid_request"],
      [{ harness: "tr-nope" }, "", 404, "harness_not_found"],
      [{ harness: "tr-other-h" }, "", 400, "harness_index_mismatch"],
      [{ index_name: "tr-other", harness: "tr-other-h" }, "", 409, "stale_harness"],
      [{ index_name: "tr-nowhere" }, "", 404, "index_not_found"],
    ] as const) {
      const res = await trial(body, query);
      expect([res.status, res.body.error?.code], JSON.stringify(body)).toEqual([status, code]);
    }
    await localTasks().drain();
    expect(await trialRunsOf("tr-bad")).toEqual([]);
    expect(await trialRunsOf("tr-other")).toEqual([]);
    expect((await api.get("/vectors/hnsw/trials/tr-bad")).body.trials).toEqual([]);

    // A trial run is not an activation, nor the other way round.
    const activation = await api.post("/vectors/hnsw/activate/tr-bad", { default_config: CONFIG });
    expect(activation.status).toBe(200);
    const asTrial = await api.get(
      `/vectors/hnsw/trial-runs/tr-bad/${activation.body.activation_id}`,
    );
    expect([asTrial.status, asTrial.body.error.code]).toEqual([404, "trial_run_not_found"]);
    const run = await trial({});
    expect(run.status).toBe(201);
    const asActivation = await api.get(`/vectors/hnsw/activations/tr-bad/${run.body.run_id}`);
    expect([asActivation.status, asActivation.body.error.code]).toEqual([
      404,
      "activation_not_found",
    ]);
    expect((await api.get("/vectors/hnsw/trial-runs/tr-bad/not-a-ulid")).status).toBe(400);
  });
});
