import { describe, expect, it } from "vitest";
import { STAGED_PREFIX } from "../../infra/storage";
import { S3BlobStore } from "../../src/adapters/s3-blob-store";
import { HarnessRuns } from "../../src/app/harness-runs";
import { createClients } from "../../src/clients";
import { localTasks } from "../../src/local/local-tasks";
import { runRecordsOf, taskRunsWith, ULID, untilEnded } from "../support/runs";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

// Exact ground truth scans the whole index for every query: harnesses are made by a task of
// their own, and the request records the run and waits a bounded time.

const env = useLocalStack();
const api = env.api;

function blobs() {
  const { settings } = env.stack;
  return new S3BlobStore(createClients(settings).s3, settings.bucket);
}

async function indexWith(name: string, count: number) {
  expect((await api.put(`/vectors/indexes/${name}`, { dimension: 4, metric: "l2" })).status).toBe(
    201,
  );
  const vectors = randomVectors(count, 4, name.length);
  await upsertAll(api, name, vectors);
  return vectors;
}

const ended = (index: string, id: string) =>
  untilEnded(api, `/vectors/hnsw/harness-runs/${index}/${id}`);
const runsOf = (index: string) => runRecordsOf(env.stack.settings, index);

const stagedOf = (index: string) => blobs().list(`${STAGED_PREFIX}${index}/`);

describe("harnesses as tasks", () => {
  it("answers 202 with the run to poll when asked not to wait; it ends with the saved harness, its staged queries gone", async () => {
    const vectors = await indexWith("hr-poll", 30);
    const queries = [{ id: "a", vector: vectors[3]?.values }, { vector: vectors[9]?.values }];
    const res = await api.post("/vectors/hnsw/evals/hr-poll-q?wait_seconds=0", {
      index_name: "hr-poll",
      k: 2,
      queries,
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      index_name: "hr-poll",
      run_id: expect.stringMatching(ULID),
      status: "RUNNING",
      action: "create",
      harness: "hr-poll-q",
      result: null,
      error: null,
    });
    expect(res.headers.location).toBe(`/vectors/hnsw/harness-runs/hr-poll/${res.body.run_id}`);
    const done = await ended("hr-poll", res.body.run_id);
    expect(done).toMatchObject({
      status: "SUCCEEDED",
      finished_at: expect.any(String),
      result: { name: "hr-poll-q", index_name: "hr-poll", k: 2, queries: 2, source: "given" },
      error: null,
    });
    const saved = await api.get("/vectors/hnsw/evals/hr-poll-q");
    expect(saved.body).toMatchObject({ queries: 2, stale: false });
    expect(await stagedOf("hr-poll")).toEqual([]);
    // The ground truth is exact: each query's nearest vector is itself.
    const trial = await api.post("/vectors/hnsw/trial", {
      index_name: "hr-poll",
      harness: "hr-poll-q",
      config: { m: 8, ef_construction: 40, ef_search: 40 },
    });
    expect(trial.body.metrics.recall_at_k).toBe(1);
  });

  it("answers autogen 201 and refresh 200 with their run when they end within the wait", async () => {
    await indexWith("hr-wait", 25);
    const made = await api.post("/vectors/hnsw/evals/hr-wait-h/autogen", {
      index_name: "hr-wait",
      count: 5,
      k: 3,
      seed: 9,
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      name: "hr-wait-h",
      queries: 5,
      k: 3,
      seed: 9,
      source: "autogen",
      run_id: expect.stringMatching(ULID),
    });
    await upsertAll(api, "hr-wait", randomVectors(2, 4, 50, "n"));
    expect((await api.get("/vectors/hnsw/evals/hr-wait-h")).body.stale).toBe(true);
    const refreshed = await api.post("/vectors/hnsw/evals/hr-wait-h/refresh", {});
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ stale: false, queries: 5 });
    expect(refreshed.body.data_version).toBeGreaterThan(made.body.data_version);
    expect((await api.get("/vectors/hnsw/evals/hr-wait-h")).body.stale).toBe(false);
    // A retried task finds the run ended and does nothing.
    expect(await env.services.harnessRuns.run("hr-wait", refreshed.body.run_id)).toBeNull();
  });

  it("answers a failure inside the task as the request's own error; nothing saved, nothing staged left", async () => {
    await indexWith("hr-fail", 10);
    // Given neighbors are checked against the loaded index, in the task.
    const res = await api.post("/vectors/hnsw/evals/hr-fail-q", {
      index_name: "hr-fail",
      k: 1,
      queries: [{ vector: [0, 0, 0, 0], neighbors: ["nope"] }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('"nope" is not a vector of the index');
    const [run] = await runsOf("hr-fail");
    expect(run).toMatchObject({
      kind: "harness",
      status: "FAILED",
      error: { kind: "ValidationError", code: "invalid_request" },
    });
    expect((await api.get("/vectors/hnsw/evals/hr-fail-q")).status).toBe(404);
    expect(await stagedOf("hr-fail")).toEqual([]);
    // A ground truth naming one vector twice would cap recall below 1: refused alike.
    const vectors = (await api.get("/vectors/indexes/hr-fail/vectors?limit=1")).body.ids;
    const twice = await api.post("/vectors/hnsw/evals/hr-fail-q", {
      index_name: "hr-fail",
      k: 2,
      queries: [{ vector: [0, 0, 0, 0], neighbors: [vectors[0], vectors[0], "other"] }],
    });
    expect(twice.status).toBe(400);
    expect(twice.body.error.message).toBe(
      `queries[0].neighbors[1]: duplicate id "${vectors[0]}" (also at neighbors[0]); the first k neighbors must be k distinct vectors`,
    );
  });

  it("refuses bad requests before recording or staging anything, and keeps kinds of runs apart", async () => {
    await indexWith("hr-bad", 6);
    for (const [path, body, status, code] of [
      [
        "evals/hr-bad-q?wait_seconds=26",
        { index_name: "hr-bad", queries: [{ vector: [1, 2, 3, 4] }] },
        400,
        "invalid_request",
      ],
      [
        "evals/hr-bad-q",
        { index_name: "hr-nowhere", k: 1, queries: [{ vector: [1, 2, 3, 4] }] },
        404,
        "index_not_found",
      ],
      [
        "evals/hr-bad-q",
        { index_name: "hr-bad", k: 7, queries: [{ vector: [1, 2, 3, 4] }] },
        400,
        "index_too_small",
      ],
      [
        "evals/hr-bad-q",
        { index_name: "hr-bad", k: 1, queries: [{ vector: [1, 2, 3] }] },
        400,
        "invalid_request",
      ],
      [
        "evals/hr-bad-q",
        {
          index_name: "hr-bad",
          k: 1,
          queries: [
            { id: "x", vector: [1, 2, 3, 4] },
            { id: "x", vector: [1, 2, 3, 4] },
          ],
        },
        400,
        "invalid_request",
      ],
      ["evals/hr-bad-a/autogen", { index_name: "hr-bad", count: 7, k: 1 }, 400, "index_too_small"],
      ["evals/hr-bad-a/autogen", { index_name: "hr-bad", count: 2, k: 6 }, 400, "index_too_small"],
      ["evals/hr-nope/refresh", {}, 404, "harness_not_found"],
    ] as const) {
      const res = await api.post(`/vectors/hnsw/${path}`, body);
      expect([res.status, res.body.error?.code], `${path} ${JSON.stringify(body)}`).toEqual([
        status,
        code,
      ]);
    }
    await localTasks().drain();
    expect(await runsOf("hr-bad")).toEqual([]);
    expect(await stagedOf("hr-bad")).toEqual([]);

    const made = await api.post("/vectors/hnsw/evals/hr-bad-h/autogen", {
      index_name: "hr-bad",
      count: 2,
      k: 2,
    });
    expect(made.status).toBe(201);
    const asTrial = await api.get(`/vectors/hnsw/trial-runs/hr-bad/${made.body.run_id}`);
    expect([asTrial.status, asTrial.body.error.code]).toEqual([404, "trial_run_not_found"]);
    const unknown = await api.get("/vectors/hnsw/harness-runs/hr-bad/01ARZ3NDEKTSV4RRFFQ69G5FAV");
    expect([unknown.status, unknown.body.error.code]).toEqual([404, "harness_run_not_found"]);
  });

  it("removes the staged queries when the task cannot be started, and leaves the run FAILED", async () => {
    const vectors = await indexWith("hr-down", 8);
    const down = new Error("Lambda is unavailable");
    const runs = taskRunsWith(env.stack.settings, {
      start: async () => {
        throw down;
      },
    });
    const harnessRuns = new HarnessRuns({
      runs,
      harnesses: env.services.harnesses,
      blobs: blobs(),
    });
    const request = { indexName: "hr-down", k: 1, queries: [{ vector: vectors[0]?.values ?? [] }] };
    await expect(harnessRuns.create("hr-down-q", request, 0)).rejects.toBe(down);
    expect(await stagedOf("hr-down")).toEqual([]);
    expect(await runsOf("hr-down")).toEqual([
      expect.objectContaining({
        status: "FAILED",
        error: expect.objectContaining({ code: "harness_run_failed" }),
      }),
    ]);
  });

  it("keeps the staged queries for a task that started, even when the request's wait fails; the task removes them", async () => {
    const vectors = await indexWith("hr-blip", 8);
    const started: string[] = [];
    const runs = taskRunsWith(env.stack.settings, {
      start: async (_task, _index, id) => {
        started.push(id as string);
      },
    });
    // Fault injection: the request's first poll of its run fails (a transient store error).
    const blip = new Error("DynamoDB is unavailable");
    const get = runs.get.bind(runs);
    let polls = 0;
    runs.get = (async (...args: Parameters<typeof get>) => {
      if (polls++ === 0) throw blip;
      return get(...args);
    }) as typeof runs.get;
    const harnessRuns = new HarnessRuns({
      runs,
      harnesses: env.services.harnesses,
      blobs: blobs(),
    });
    const request = { indexName: "hr-blip", k: 1, queries: [{ vector: vectors[2]?.values ?? [] }] };
    await expect(harnessRuns.create("hr-blip-q", request, 0)).rejects.toBe(blip);
    expect(started).toHaveLength(1);
    expect(await stagedOf("hr-blip")).toHaveLength(1);
    // The task (here, the stack's own) finds its queries, saves the harness, then removes them.
    const done = await env.services.harnessRuns.run("hr-blip", started[0] as string);
    expect(done).toMatchObject({
      status: "SUCCEEDED",
      result: { name: "hr-blip-q", queryCount: 1 },
    });
    expect(await stagedOf("hr-blip")).toEqual([]);
  });
});
