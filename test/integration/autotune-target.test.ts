import { describe, expect, it } from "vitest";
import { useLocalStack } from "../support/stacks";
import { indexWithCopyGroups, indexWithHarness } from "../support/vectors";

// The target_recall strategy, end to end on the local workflow runner (the deployed definition).

const env = useLocalStack();
const api = env.api;

const autotune = (body: Record<string, unknown>) => api.post("/vectors/hnsw/autotune", body);

async function finished(jobId: string) {
  for (let i = 0; i < 600; i++) {
    const job = (await api.get(`/vectors/hnsw/autotune/${jobId}`)).body;
    if (job.status !== "RUNNING") return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${jobId} did not finish`);
}

const setup = (name: string, count = 400, dimension = 12) =>
  indexWithHarness(api, name, { count, dimension, seed: 5, queries: 20 });

describe("target_recall autotune", () => {
  it("runs rounds until the tuner stops, and promotes the fastest config that reaches the target", async () => {
    await setup("target");
    const started = await autotune({
      index_name: "target",
      harness: "target-h",
      strategy: "target_recall",
      min_recall: 0.95,
      space: { m: [4, 8, 16], ef_construction: { min: 10, max: 80 }, max_ef_search: 256 },
      max_builds: 5,
    });
    expect(started.status).toBe(202);
    const job = await finished(started.body.job_id);
    expect(job).toMatchObject({
      status: "SUCCEEDED",
      strategy: "target_recall",
      min_recall: 0.95,
      grid: null,
      max_builds: 5,
      space: { m: [4, 8, 16], ef_construction: { min: 10, max: 80 }, max_ef_search: 256 },
      promoted: true,
    });
    expect(job.progress.round).toBeGreaterThanOrEqual(2);
    expect(job.progress.builds_done).toBeLessThanOrEqual(5);
    const graphs = new Set(job.trials.map((t: { snapshot_key: string }) => t.snapshot_key));
    expect(graphs.size).toBe(job.progress.builds_done);
    expect(job.stop_reason).toMatch(/budget|converged/);
    // Every measured point is a journal trial of this job.
    for (const t of job.trials) expect(t).toMatchObject({ source: "autotune", job_id: job.job_id });
    const journal = (await api.get("/vectors/hnsw/trials/target?limit=200")).body.trials;
    expect(journal.filter((t: { job_id?: string }) => t.job_id === job.job_id)).toHaveLength(
      job.trials.length,
    );
    // The winner reaches the target, and is on the Pareto front.
    expect(job.winner.metrics.recall_at_k).toBeGreaterThanOrEqual(0.95);
    expect(job.pareto_front.length).toBeGreaterThan(0);
    const front = job.pareto_front as { recall_at_k: number; p50_us: number }[];
    for (let i = 1; i < front.length; i++) {
      expect((front[i] as { p50_us: number }).p50_us).toBeGreaterThanOrEqual(
        (front[i - 1] as { p50_us: number }).p50_us,
      );
      expect((front[i] as { recall_at_k: number }).recall_at_k).toBeGreaterThan(
        (front[i - 1] as { recall_at_k: number }).recall_at_k,
      );
    }
    const promoted = (await api.get("/vectors/hnsw/promoted/target")).body.current;
    expect(promoted).toMatchObject({
      trial_id: job.winner.trial_id,
      promoted_by: "autotune",
      note: expect.stringMatching(/^autotune winner: recall=/),
    });
  });

  it("reaches a 0.99 target on data where some vectors were stored several times", async () => {
    // 1,500 vectors and 40 groups of 8 exact copies of some of them. Counted by ids, a query whose
    // top 10 ends inside a group misses the copies the exact scan kept whenever the graph
    // returns others at the same distance, and recall stopped below 0.99 at any ef_search.
    await indexWithCopyGroups(api, "copied", 100);
    const started = await autotune({
      index_name: "copied",
      harness: "copied-h",
      strategy: "target_recall",
      min_recall: 0.99,
      space: { m: [8, 16], ef_construction: { min: 40, max: 100 }, max_ef_search: 512 },
      max_builds: 3,
    });
    expect(started.status).toBe(202);
    const job = await finished(started.body.job_id);
    expect(job).toMatchObject({ status: "SUCCEEDED", promoted: true });
    expect(job.winner.metrics.recall_at_k).toBeGreaterThanOrEqual(0.99);
  });

  it("promotes nothing when the target is out of reach, naming the best recall and where", async () => {
    await setup("reach", 300, 32);
    const res = await autotune({
      index_name: "reach",
      harness: "reach-h",
      strategy: "target_recall",
      min_recall: 1,
      space: { m: [4], ef_construction: { min: 10, max: 10 }, max_ef_search: 10 },
      max_builds: 3,
      wait_seconds: 25,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "SUCCEEDED", promoted: false, winner: null });
    expect(res.body.reason).toMatch(
      /^target recall 1 not reached within 1 build\(s\) \(no config in the space reaches the target.*\): the best recall_at_k was 0\.\d+, at m=4 ef_construction=10 ef_search=10$/,
    );
    expect((await api.get("/vectors/hnsw/promoted/reach")).body.current).toBeNull();
  });

  it("serves a promoted ef_search above 200, and lets a search override ef_search up to 4,096", async () => {
    await setup("wide");
    const job = await finished(
      (
        await autotune({
          index_name: "wide",
          harness: "wide-h",
          strategy: "target_recall",
          min_recall: 1,
          space: { m: [4], ef_construction: { min: 10, max: 10 }, max_ef_search: 400 },
          max_builds: 1,
        })
      ).body.job_id,
    );
    const wide = job.trials.find(
      (t: { config: { ef_search: number } }) => t.config.ef_search > 200,
    );
    expect(wide).toBeDefined();
    expect((await api.post(`/vectors/hnsw/promote/wide/${wide.trial_id}`)).status).toBe(200);
    const activated = await api.post("/vectors/hnsw/activate/wide");
    expect(activated.body.config.ef_search).toBe(wide.config.ef_search);
    const search = await api.post("/vectors/indexes/wide/search", {
      vector: Array.from({ length: 12 }, () => 0.1),
      k: 3,
      ef_search: 4096,
    });
    expect(search.status).toBe(200);
    expect(search.body.mode).toBe("hnsw");
    const tooWide = await api.post("/vectors/indexes/wide/search", {
      vector: Array.from({ length: 12 }, () => 0.1),
      ef_search: 4097,
    });
    expect(tooWide.status).toBe(400);
    expect(tooWide.body.error.message).toBe(
      "ef_search: got 4097, expected an integer from 10 to 4096",
    );
  });

  it.each([
    [
      { strategy: "fastest" },
      /^strategy: got "fastest", expected one of max_recall, target_recall/,
    ],
    [
      { strategy: "target_recall", min_recall: 1.5 },
      /^min_recall: got 1.5, expected a number from 0 to 1/,
    ],
    [
      { strategy: "target_recall", grid: [{ ef_construction: 20, ef_search: 20 }] },
      /^grid: applies to strategy max_recall only/,
    ],
    [{ space: { m: [8] } }, /^space: applies to strategy target_recall only/],
    [{ max_builds: 3 }, /^max_builds: applies to strategy target_recall only/],
    [{ strategy: "target_recall", space: { m: [] } }, /^space\.m: must hold at least one value/],
    [{ strategy: "target_recall", space: { m: [8, 8] } }, /^space\.m: must not repeat a value/],
    [
      { strategy: "target_recall", space: { m: [200] } },
      /^space\.m\[0\]: got 200, expected an integer from 4 to 96/,
    ],
    [
      { strategy: "target_recall", space: { ef_construction: { min: 80, max: 40 } } },
      /^space\.ef_construction: min 80 is above max 40/,
    ],
    [
      { strategy: "target_recall", space: { max_ef_search: 5000 } },
      /^space\.max_ef_search: got 5000, expected an integer from 10 to 4096/,
    ],
    [
      { strategy: "target_recall", max_builds: 21 },
      /^max_builds: got 21, expected an integer from 1 to 20/,
    ],
    [
      { strategy: "target_recall", space: { depth: 3 } },
      /^space: unknown field "depth"; expected one of m, ef_construction, max_ef_search/,
    ],
  ])("refuses %j with a 400 naming the field, and starts nothing", async (extra, message) => {
    const name = `bad-${Math.random().toString(36).slice(2, 8)}`;
    await setup(name, 60, 4);
    const res = await autotune({ index_name: name, harness: `${name}-h`, ...extra });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(res.body.error.message).toMatch(message);
    expect((await api.get(`/vectors/hnsw/autotune?index_name=${name}`)).body.jobs).toEqual([]);
  });

  it("keeps a policy's strategy, space and budget, and validates them the same way", async () => {
    await setup("tpol", 60, 4);
    const put = await api.put("/vectors/hnsw/autotune/policies/tpol", {
      harness: "tpol-h",
      strategy: "target_recall",
      min_recall: 0.9,
      space: { m: [8] },
      max_builds: 2,
      every_minutes: 60,
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      strategy: "target_recall",
      min_recall: 0.9,
      grid: null,
      space: { m: [8], ef_construction: { min: 40, max: 400 }, max_ef_search: 1024 },
      max_builds: 2,
    });
    const bad = await api.put("/vectors/hnsw/autotune/policies/tpol", {
      harness: "tpol-h",
      strategy: "target_recall",
      grid: [{ ef_construction: 20, ef_search: 20 }],
      every_minutes: 60,
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^grid: applies to strategy max_recall only/);
  });
});
