import { beforeAll, describe, expect, it } from "vitest";
import { S3BlobStore } from "../../src/adapters/s3-blob-store";
import { HarnessStore } from "../../src/app/harness-store";
import { createClients } from "../../src/clients";
import type { Harness } from "../../src/domain/harness";
import { useLocalStack } from "../support/stacks";
import { indexWithHarness, randomVectors, upsertAll } from "../support/vectors";

const env = useLocalStack();
const api = env.api;
const trial = (index: string, harness: string, config: Record<string, unknown>, note?: string) =>
  api.post("/vectors/hnsw/trial", {
    index_name: index,
    harness,
    config,
    ...(note ? { note } : {}),
  });

describe("trials", () => {
  beforeAll(async () => {
    await api.put("/vectors/indexes/tiny", { dimension: 8, metric: "cosine" });
    await upsertAll(api, "tiny", randomVectors(60, 8, 11));
    await api.post("/vectors/hnsw/evals/tiny-h/autogen", { index_name: "tiny", count: 15, k: 10 });
  });

  it("measures a config that must be exact on a tiny index at recall 1.0, reproducibly", async () => {
    // ef_search 100 >= 60 vectors: the search visits the whole graph.
    const first = await trial(
      "tiny",
      "tiny-h",
      { ef_construction: 100, ef_search: 100, m: 16, seed: 1 },
      "exact",
    );
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      index_name: "tiny",
      harness: "tiny-h",
      config: { ef_construction: 100, ef_search: 100, m: 16, seed: 1 },
      data_version: 1,
      source: "manual",
      note: "exact",
    });
    const m = first.body.metrics;
    expect(m.recall_at_k).toBe(1);
    expect(m).toMatchObject({ k: 10, queries: 15 });
    expect(m.search_latency_p50_us).toBeGreaterThan(0);
    expect(m.search_latency_p95_us).toBeGreaterThanOrEqual(m.search_latency_p50_us);
    expect(m.search_latency_p99_us).toBeGreaterThanOrEqual(m.search_latency_p95_us);
    expect(m.build_time_ms).toBeGreaterThan(0);
    expect(m.memory_bytes).toBeGreaterThan(60 * 8 * 4);
    expect(first.body.snapshot_key).toMatch(/^_hnsw_snapshots\/tiny\//);
    const snapshot = await new S3BlobStore(
      createClients(env.stack.settings).s3,
      env.stack.settings.bucket,
    ).get(first.body.snapshot_key);
    expect(snapshot?.byteLength).toBe(m.memory_bytes);

    const low1 = await trial("tiny", "tiny-h", {
      ef_construction: 10,
      ef_search: 10,
      m: 4,
      seed: 3,
    });
    const low2 = await trial("tiny", "tiny-h", {
      ef_construction: 10,
      ef_search: 10,
      m: 4,
      seed: 3,
    });
    expect(low1.body.metrics.recall_at_k).toBe(low2.body.metrics.recall_at_k);
    expect(low1.body.metrics.memory_bytes).toBe(low2.body.metrics.memory_bytes);
  });

  it("lists the journal newest first with pagination, and gets one trial", async () => {
    await indexWithHarness(api, "journal", { count: 40, dimension: 4, seed: 2, queries: 5, k: 3 });
    const ids: string[] = [];
    for (const ef of [10, 20, 30]) {
      ids.push(
        (await trial("journal", "journal-h", { ef_construction: 20, ef_search: ef })).body.trial_id,
      );
    }
    const page1 = await api.get("/vectors/hnsw/trials/journal?limit=2");
    expect(page1.body.trials.map((t: { trial_id: string }) => t.trial_id)).toEqual([
      ids[2],
      ids[1],
    ]);
    expect(page1.body.next_token).toBeTypeOf("string");
    const page2 = await api.get(
      `/vectors/hnsw/trials/journal?limit=2&next_token=${page1.body.next_token}`,
    );
    expect(page2.body.trials.map((t: { trial_id: string }) => t.trial_id)).toEqual([ids[0]]);
    expect(page2.body.next_token).toBeUndefined();
    const all = await api.get("/vectors/hnsw/trials/journal");
    expect(all.body.trials).toHaveLength(3);

    const one = await api.get(`/vectors/hnsw/trials/journal/${ids[1]}`);
    expect(one.body).toEqual(page1.body.trials[1]);
    const badToken = await api.get("/vectors/hnsw/trials/journal?next_token=garbage");
    expect(badToken.status).toBe(400);
    const badLimit = await api.get("/vectors/hnsw/trials/journal?limit=0");
    expect(badLimit.status).toBe(400);
  });

  it("picks the best trial: max recall, then min p50, above the gate", async () => {
    const list = (await api.get("/vectors/hnsw/trials/tiny?limit=200")).body.trials as {
      trial_id: string;
      metrics: { recall_at_k: number; search_latency_p50_us: number };
    }[];
    const expected = [...list].sort(
      (a, b) =>
        b.metrics.recall_at_k - a.metrics.recall_at_k ||
        a.metrics.search_latency_p50_us - b.metrics.search_latency_p50_us ||
        a.trial_id.localeCompare(b.trial_id),
    )[0];
    const best = await api.get("/vectors/hnsw/trials/tiny/best?min_recall=0.9");
    expect(best.status).toBe(200);
    expect(best.body.trial_id).toBe(expected?.trial_id);
    const none = await api.get("/vectors/hnsw/trials/tiny/best?min_recall=1.0001");
    expect(none.status).toBe(400);
    // The gate: above the best recall in the journal, nothing qualifies.
    const top = Math.max(...list.map((t) => t.metrics.recall_at_k));
    const worst = [...list].sort((a, b) => a.metrics.recall_at_k - b.metrics.recall_at_k)[0];
    const low = await api.get(
      `/vectors/hnsw/trials/tiny/best?min_recall=${worst?.metrics.recall_at_k}`,
    );
    expect(low.body.trial_id).toBe(expected?.trial_id);
    if (top < 1) {
      const gate = await api.get(`/vectors/hnsw/trials/tiny/best?min_recall=${top + 1e-9}`);
      expect(gate.status).toBe(404);
    }
    const noTrials = await api.put("/vectors/indexes/empty-journal", {
      dimension: 2,
      metric: "l2",
    });
    expect(noTrials.status).toBe(201);
    const empty = await api.get("/vectors/hnsw/trials/empty-journal/best");
    expect(empty.status).toBe(404);
    expect(empty.body.error.code).toBe("no_trial_meets_gate");

    // Recall on another harness (here at k=1) does not compare: `harness` keeps to one.
    await api.post("/vectors/hnsw/evals/tiny-k1/autogen", { index_name: "tiny", count: 5, k: 1 });
    const other = await trial("tiny", "tiny-k1", { ef_construction: 10, ef_search: 10, m: 4 });
    expect(other.status).toBe(201);
    const onFirst = await api.get("/vectors/hnsw/trials/tiny/best?harness=tiny-h");
    expect(onFirst.body.trial_id).toBe(expected?.trial_id);
    const onOther = await api.get("/vectors/hnsw/trials/tiny/best?harness=tiny-k1");
    expect(onOther.body.trial_id).toBe(other.body.trial_id);
    const onNone = await api.get("/vectors/hnsw/trials/tiny/best?harness=tiny-none&min_recall=0.5");
    expect(onNone.status).toBe(404);
    expect(onNone.body.error.message).toBe(
      'none of the 0 trials of index "tiny" measured on harness "tiny-none" reaches recall_at_k >= 0.5',
    );
  });

  it.each([
    [
      { ef_construction: 9, ef_search: 30 },
      /config\.ef_construction: got 9, expected an integer from 10 to 400/,
    ],
    [{ ef_construction: 401, ef_search: 30 }, /config\.ef_construction: got 401/],
    [
      { ef_construction: 20, ef_search: 201 },
      /config\.ef_search: got 201, expected an integer from 10 to 200/,
    ],
    [{ ef_construction: 20, ef_search: 9 }, /config\.ef_search: got 9/],
    [
      { ef_construction: 20, ef_search: 30, m: 3 },
      /config\.m: got 3, expected an integer from 4 to 96/,
    ],
    [{ ef_construction: 20, ef_search: 30, m: 97 }, /config\.m: got 97/],
    [{ ef_construction: 20.5, ef_search: 30 }, /config\.ef_construction: got 20.5/],
    [{ ef_search: 30 }, /config\.ef_construction/],
  ])("refuses config %j with a 400", async (config, message) => {
    const res = await trial("tiny", "tiny-h", config);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it("measures a harness whose truth names other queries' sources (saved before they were held out) against truth computed anew", async () => {
    await api.put("/vectors/indexes/older", { dimension: 16, metric: "l2" });
    await upsertAll(api, "older", randomVectors(300, 16, 12));
    await api.post("/vectors/hnsw/evals/older-h/autogen", { index_name: "older", count: 20, k: 5 });
    const store = new HarnessStore(
      new S3BlobStore(createClients(env.stack.settings).s3, env.stack.settings.bucket),
    );
    const saved = (await store.get("older-h")) as Harness;
    // Each query's truth names the next queries' sources: rows a trial's graph never holds.
    const sources = saved.queries.map((q) => q.sourceId as string);
    const groundTruth = sources.map((_, q) => [1, 2, 3, 4, 5].map((i) => sources[(q + i) % 20]));
    await store.save({ ...saved, groundTruth: groundTruth as string[][] });
    const config = { ef_construction: 16, ef_search: 10, m: 4, seed: 1 };
    const measured = await trial("older", "older-h", config);
    expect(measured.status).toBe(201);
    await api.post("/vectors/hnsw/evals/older-h/refresh");
    const refreshed = await trial("older", "older-h", config);
    expect(measured.body.metrics.recall_at_k).toBeLessThan(1);
    expect(measured.body.metrics.recall_at_k).toBe(refreshed.body.metrics.recall_at_k);
  });

  it("refuses a stale harness with 409 until it is refreshed", async () => {
    await indexWithHarness(api, "moving", { count: 30, dimension: 4, seed: 4, queries: 5, k: 3 });
    await api.post("/vectors/indexes/moving/vectors", {
      vectors: [{ id: "new", values: [9, 9, 9, 9] }],
    });
    expect((await api.get("/vectors/hnsw/evals/moving-h")).body.stale).toBe(true);
    const stale = await trial("moving", "moving-h", { ef_construction: 20, ef_search: 20 });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe("stale_harness");
    expect(stale.body.error.message).toMatch(
      /data_version 1, but index "moving" is at data_version 2/,
    );
    const refreshed = await api.post("/vectors/hnsw/evals/moving-h/refresh");
    expect(refreshed.body).toMatchObject({ stale: false, data_version: 2 });
    expect((await trial("moving", "moving-h", { ef_construction: 20, ef_search: 20 })).status).toBe(
      201,
    );
  });

  it("answers 404 for an unknown index, harness or trial, and 400 for another index's harness", async () => {
    const cfg = { ef_construction: 20, ef_search: 20 };
    expect((await trial("nope", "tiny-h", cfg)).body.error.code).toBe("index_not_found");
    expect((await trial("tiny", "nope", cfg)).body.error.code).toBe("harness_not_found");
    expect((await trial("journal", "tiny-h", cfg)).body.error.code).toBe("harness_index_mismatch");
    const missing = await api.get("/vectors/hnsw/trials/tiny/01ARZ3NDEKTSV4RRFFQ69G5FAV");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("trial_not_found");
    expect((await api.get("/vectors/hnsw/trials/nope")).status).toBe(404);
    expect((await api.get("/vectors/hnsw/trials/nope/best")).status).toBe(404);
  });

  it("keeps serving other requests while a graph builds", async () => {
    await api.put("/vectors/indexes/busy", { dimension: 32, metric: "l2" });
    await upsertAll(api, "busy", randomVectors(4000, 32, 9));
    await api.post("/vectors/hnsw/evals/busy-h/autogen", { index_name: "busy", count: 50, k: 10 });
    let done = false;
    const running = trial("busy", "busy-h", {
      ef_construction: 400,
      ef_search: 200,
      m: 48,
    }).finally(() => {
      done = true;
    });
    let answeredDuringBuild = 0;
    while (!done) {
      const res = await api.get("/vectors/indexes/busy");
      expect(res.status).toBe(200);
      if (!done) answeredDuringBuild++;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect((await running).status).toBe(201);
    expect(answeredDuringBuild).toBeGreaterThan(3);
  });
});
