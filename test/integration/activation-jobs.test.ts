import { describe, expect, it } from "vitest";
import { ActivationJobs, type ActivationJobsDeps } from "../../src/app/activation-jobs";
import type { BackgroundTasks } from "../../src/app/work-ports";
import { RUN_LOST_AFTER_MS, RUN_START_WITHIN_MS } from "../../src/domain/task-run";
import { localTasks } from "../../src/local/local-tasks";
import { runRecordsOf, taskRunsWith, ULID, untilEnded } from "../support/runs";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

// Activation runs as a task of its own: the request records it and waits a bounded time.

const env = useLocalStack();
const api = env.api;
const CONFIG = { m: 8, ef_construction: 40, ef_search: 40, seed: 1 };

async function indexWith(name: string, count: number) {
  expect((await api.put(`/vectors/indexes/${name}`, { dimension: 8, metric: "l2" })).status).toBe(
    201,
  );
  await upsertAll(api, name, randomVectors(count, 8, name.length));
}

const ended = (index: string, id: string) =>
  untilEnded(api, `/vectors/hnsw/activations/${index}/${id}`);

/**
 * The use case over the stack's own store and activation, with tasks that are recorded but
 * never run (a task lost, or not yet started) and a clock the test moves.
 */
function jobsWithoutTasks(clock: { now: number }, tasks?: BackgroundTasks) {
  const deps = (env.services.activationJobs as unknown as { deps: ActivationJobsDeps }).deps;
  const started: string[] = [];
  const recorded: BackgroundTasks = {
    start: async (_task, _index, id) => {
      started.push(id as string);
    },
  };
  const runs = taskRunsWith(env.stack.settings, tasks ?? recorded, () => clock.now);
  const jobs = new ActivationJobs({ ...deps, runs });
  return { jobs, started };
}

describe("activation as a task", () => {
  it("answers 202 with the activation to poll when asked not to wait, and it ends SUCCEEDED", async () => {
    await indexWith("aj-poll", 40);
    const res = await api.post("/vectors/hnsw/activate/aj-poll?wait_seconds=0", {
      default_config: CONFIG,
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      index_name: "aj-poll",
      activation_id: expect.stringMatching(ULID),
      status: "RUNNING",
      default_config: CONFIG,
      result: null,
      error: null,
    });
    expect(res.headers.location).toBe(
      `/vectors/hnsw/activations/aj-poll/${res.body.activation_id}`,
    );
    const done = await ended("aj-poll", res.body.activation_id);
    expect(done).toMatchObject({
      status: "SUCCEEDED",
      finished_at: expect.any(String),
      result: { index_name: "aj-poll", generation: 1, graph: "built", vectors: 40, config: CONFIG },
      error: null,
    });
    const search = await api.post("/vectors/indexes/aj-poll/search", {
      vector: randomVectors(40, 8, "aj-poll".length)[7]?.values,
      k: 1,
    });
    expect(search.body).toMatchObject({ mode: "hnsw", generation: 1, results: [{ id: "v7" }] });
  });

  it("answers the activation's own error when it fails in its task, and records it", async () => {
    await indexWith("aj-fail", 10);
    const clock = { now: Date.now() };
    const { jobs, started } = jobsWithoutTasks(clock);
    const job = await jobs.request("aj-fail", CONFIG);
    expect(started).toEqual([job.activation_id]);
    // The index goes before the task runs: the task fails with the typed error it met.
    expect((await api.delete("/vectors/indexes/aj-fail")).status).toBe(204);
    const run = await jobs.run("aj-fail", job.activation_id);
    expect(run).toMatchObject({
      status: "FAILED",
      result: null,
      error: { kind: "NotFoundError", code: "index_not_found" },
    });
    const polled = await api.get(`/vectors/hnsw/activations/aj-fail/${job.activation_id}`);
    expect(polled.body).toMatchObject({ status: "FAILED", error: { code: "index_not_found" } });
  });

  it("runs each activation once: a retried task leaves an ended one alone", async () => {
    await indexWith("aj-once", 20);
    const res = await api.post("/vectors/hnsw/activate/aj-once", { default_config: CONFIG });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ generation: 1, activation_id: expect.stringMatching(ULID) });
    expect(await env.services.activationJobs.run("aj-once", res.body.activation_id)).toBeNull();
    expect((await api.get("/vectors/indexes/aj-once")).body.active.generation).toBe(1);
  });

  it("reports a task that never ended as lost, and a late retry fails it instead of building", async () => {
    await indexWith("aj-lost", 10);
    const clock = { now: Date.now() };
    const { jobs } = jobsWithoutTasks(clock);
    const lost = await jobs.request("aj-lost", CONFIG);
    clock.now += RUN_LOST_AFTER_MS - 1000;
    expect((await jobs.get("aj-lost", lost.activation_id)).status).toBe("RUNNING");
    clock.now += 2000;
    expect(await jobs.get("aj-lost", lost.activation_id)).toMatchObject({
      status: "FAILED",
      error: { code: "activation_lost" },
    });

    const late = await jobs.request("aj-lost", CONFIG);
    clock.now += RUN_START_WITHIN_MS + 1000;
    expect(await jobs.run("aj-lost", late.activation_id)).toMatchObject({
      status: "FAILED",
      error: { code: "activation_timed_out" },
    });
    expect((await api.get("/vectors/indexes/aj-lost")).body.active).toBeFalsy();
  });

  it("leaves nothing RUNNING when its task cannot be started, and refuses bad requests before recording", async () => {
    await indexWith("aj-start", 10);
    const down = new Error("Lambda is unavailable");
    const { jobs } = jobsWithoutTasks(
      { now: Date.now() },
      {
        start: async () => {
          throw down;
        },
      },
    );
    await expect(jobs.request("aj-start", CONFIG)).rejects.toBe(down);

    for (const [path, body, code] of [
      ["/vectors/hnsw/activate/aj-start?wait_seconds=26", {}, "invalid_request"],
      ["/vectors/hnsw/activate/aj-start?wait_seconds=-1", {}, "invalid_request"],
      ["/vectors/hnsw/activate/aj-start", { default_config: { m: 0 } }, "invalid_request"],
      ["/vectors/hnsw/activate/aj-nowhere", {}, "index_not_found"],
    ] as const) {
      const res = await api.post(path, body);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(res.body.error.code, path).toBe(code);
    }
    await localTasks().drain();
    // Nothing was activated by any of them, and the one record is the unstarted one, FAILED.
    expect((await api.get("/vectors/indexes/aj-start")).body.active).toBeFalsy();
    const records = await runRecordsOf(env.stack.settings, "aj-start");
    expect(records).toEqual([
      expect.objectContaining({
        kind: "activate",
        status: "FAILED",
        error: expect.objectContaining({ code: "activation_failed" }),
      }),
    ]);
    const unknown = await api.get("/vectors/hnsw/activations/aj-start/01ARZ3NDEKTSV4RRFFQ69G5FAV");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("activation_not_found");
  });
});
