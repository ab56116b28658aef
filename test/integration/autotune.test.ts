import { afterEach, describe, expect, it } from "vitest";
import { localWorkflow } from "../../src/local/local-workflow";
import { autotuneHelpers } from "../support/autotune";
import { useLocalStack } from "../support/stacks";
import { randomVectors } from "../support/vectors";

const env = useLocalStack();
const api = env.api;
const { indexWithHarness, autotune } = autotuneHelpers(api);
afterEach(() => {
  localWorkflow().intercept(undefined);
});

describe("autotune", () => {
  it("runs the default grid as 5 trials from 4 builds and promotes the winner", async () => {
    await indexWithHarness("tune");
    const res = await autotune({ index_name: "tune", harness: "tune-h", wait_seconds: 25 });
    expect(res.status).toBe(200);
    const job = res.body;
    expect(job).toMatchObject({
      index_name: "tune",
      harness: "tune-h",
      status: "SUCCEEDED",
      trigger: "api",
      min_recall: 0.9,
      promoted: true,
      failed_groups: [],
    });
    expect(job.trials).toHaveLength(5);
    expect(new Set(job.trials.map((t: { snapshot_key: string }) => t.snapshot_key)).size).toBe(4);
    expect(
      job.trials.every(
        (t: { source: string; job_id: string }) =>
          t.source === "autotune" && t.job_id === job.job_id,
      ),
    ).toBe(true);
    const configs = job.trials.map(
      (t: { config: { ef_construction: number; ef_search: number } }) => [
        t.config.ef_construction,
        t.config.ef_search,
      ],
    );
    expect(
      configs.sort(
        (a: number[], b: number[]) =>
          (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number),
      ),
    ).toEqual([
      [20, 30],
      [40, 30],
      [80, 30],
      [80, 60],
      [160, 30],
    ]);
    // The winner: max recall, then min p50, then the earlier trial (fast searches can tie on p50).
    const best = [...job.trials].sort(
      (a, b) =>
        b.metrics.recall_at_k - a.metrics.recall_at_k ||
        a.metrics.search_latency_p50_us - b.metrics.search_latency_p50_us ||
        a.trial_id.localeCompare(b.trial_id),
    )[0];
    expect(job.winner.trial_id).toBe(best.trial_id);
    expect(job.duration_ms).toBeGreaterThan(0);

    const promoted = (await api.get("/vectors/hnsw/promoted/tune")).body.current;
    expect(promoted.trial_id).toBe(job.winner.trial_id);
    expect(promoted.promoted_by).toBe("autotune");
    expect(promoted.note).toBe(
      `autotune winner: recall=${job.winner.metrics.recall_at_k.toFixed(4)} p50=${job.winner.metrics.search_latency_p50_us}us`,
    );
    // The trials sit in the journal beside manual ones; the job is listed for the index.
    const journal = (await api.get("/vectors/hnsw/trials/tune")).body.trials;
    expect(journal.filter((t: { job_id?: string }) => t.job_id === job.job_id)).toHaveLength(5);
    const jobs = (await api.get("/vectors/hnsw/autotune?index_name=tune")).body.jobs;
    expect(jobs[0].job_id).toBe(job.job_id);
  });

  it("runs the Map's build groups concurrently, up to max_concurrency", async () => {
    await indexWithHarness("parallel", 1500, 16, 20);
    let inFlight = 0;
    let most = 0;
    localWorkflow().intercept((state, handler) =>
      state === "RunBuildGroup"
        ? async (input) => {
            inFlight++;
            most = Math.max(most, inFlight);
            try {
              return await handler(input);
            } finally {
              inFlight--;
            }
          }
        : handler,
    );
    const res = await autotune({ index_name: "parallel", harness: "parallel-h", wait_seconds: 25 });
    expect(res.body.status).toBe("SUCCEEDED");
    // All 4 groups were started before the first finished (the pool runs them on its threads).
    expect(most).toBe(4);
    // MaxConcurrency comes from the request.
    most = 0;
    const serial = await autotune({
      index_name: "parallel",
      harness: "parallel-h",
      max_concurrency: 1,
      wait_seconds: 25,
    });
    expect(serial.body.status).toBe("SUCCEEDED");
    expect(most).toBe(1);
  });

  it("promotes nothing when no config clears the gate, and says why", async () => {
    await indexWithHarness("hard", 2000, 32, 50);
    const res = await autotune({
      index_name: "hard",
      harness: "hard-h",
      min_recall: 1,
      grid: [{ ef_construction: 10, ef_search: 10, m: 4 }],
      wait_seconds: 25,
    });
    expect(res.body).toMatchObject({ status: "SUCCEEDED", promoted: false, winner: null });
    expect(res.body.trials[0].metrics.recall_at_k).toBeLessThan(1);
    expect(res.body.reason).toMatch(
      /^no trial cleared min_recall 1: the best recall_at_k was 0\.\d{4}; give a grid with larger ef_search and ef_construction, or use strategy target_recall, which searches ef_search up to max_ef_search$/,
    );
    expect((await api.get("/vectors/hnsw/promoted/hard")).body.current).toBeNull();
  });

  it.each([
    [
      {
        grid: [
          { ef_construction: 20, ef_search: 30 },
          { ef_construction: 20, ef_search: 500 },
        ],
      },
      /grid\[1\]\.ef_search: got 500, expected an integer from 10 to 200/,
    ],
    [{ grid: [{ ef_construction: 5, ef_search: 30 }] }, /grid\[0\]\.ef_construction: got 5/],
    [{ grid: [{ ef_construction: 20, ef_search: 30, m: 200 }] }, /grid\[0\]\.m: got 200/],
    [{ grid: [] }, /grid: must hold at least one entry/],
    [
      { grid: Array.from({ length: 51 }, (_, i) => ({ ef_construction: 10 + i, ef_search: 30 })) },
      /grid: holds 51 entries; at most 50/,
    ],
    [{ min_recall: 1.5 }, /min_recall: got 1.5, expected a number from 0 to 1/],
    [{ wait_seconds: 26 }, /wait_seconds/],
  ])("refuses %j with a 400", async (extra, message) => {
    await api.put("/vectors/indexes/bounds", { dimension: 2, metric: "l2" });
    const res = await autotune({ index_name: "bounds", harness: "whatever", ...extra });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(message);
  });

  it("measures against fresh exact truth when writes land while the job runs", async () => {
    await indexWithHarness("moving-tune");
    let writes = 0;
    localWorkflow().intercept((state, handler) =>
      state === "RunBuildGroup"
        ? async (input) => {
            // A write between Plan and each build: the harness is stale by the time it measures.
            writes++;
            await api.post("/vectors/indexes/moving-tune/vectors", {
              vectors: randomVectors(3, 8, 500 + writes, `late${writes}-`),
            });
            return handler(input);
          }
        : handler,
    );
    const res = await autotune({
      index_name: "moving-tune",
      harness: "moving-tune-h",
      grid: [{ ef_construction: 100, ef_search: 200 }],
      wait_seconds: 25,
    });
    expect(res.body.status).toBe("SUCCEEDED");
    const trial = res.body.trials[0];
    // Built and measured on the data after the late write, with exact truth for that data.
    expect(trial.data_version).toBeGreaterThan(1);
    expect(trial.metrics.recall_at_k).toBe(1);
    const harness = (await api.get("/vectors/hnsw/evals/moving-tune-h")).body;
    expect(harness).toMatchObject({ data_version: 1, stale: true });
    // A manual trial still refuses the stale harness.
    const manual = await api.post("/vectors/hnsw/trial", {
      index_name: "moving-tune",
      harness: "moving-tune-h",
      config: { ef_construction: 20, ef_search: 20 },
    });
    expect(manual.status).toBe(409);
  });
});
