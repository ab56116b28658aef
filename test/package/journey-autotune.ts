import { expect } from "vitest";
import { AUTOTUNE_TASKS, SCHEDULE } from "../../infra/autotune-workflow";
import { DynamoLeaseStore } from "../../src/adapters/dynamo-lease-store";
import { TEST_CALLER } from "./api-event";
import { type DeployedCalls, PKG } from "./deployed-calls";

// A chapter of the deployed packages' journey (./packages.test.ts).

/**
 * A policy, an autotune through the Step Functions endpoint, the runoff and abandon tasks called
 * as the workflow calls them, and the scheduled start.
 */
export async function policiesAndAutotune(calls: DeployedCalls) {
  const { api, host, settings, clients, answered } = calls;
  const index = PKG;
  expect((await api("RefreshEval", { params: { name: "pkg-h" } })).status).toBe(200);
  const policy = { harness: "pkg-h", every_minutes: 60 };
  expect((await api("PutPolicy", { ...index, body: policy })).status).toBe(200);
  expect((await api("GetPolicy", index)).body.every_minutes).toBe(60);
  // Autotune through the Step Functions endpoint, whose tasks are the bundled task functions.
  const tuned = await api("StartAutotune", {
    body: {
      index_name: "pkg",
      harness: "pkg-h",
      min_recall: 0.5,
      grid: [
        { ef_construction: 20, ef_search: 10, m: 8 },
        { ef_construction: 40, ef_search: 10, m: 8 },
      ],
      wait_seconds: 25,
    },
  });
  expect(tuned.body).toMatchObject({
    status: "SUCCEEDED",
    promoted: true,
    started_by: TEST_CALLER,
  });
  expect(tuned.body.trials).toHaveLength(2);
  for (const task of ["Plan", "RunBuildGroup", "Tune", "Decide"] as const) {
    answered.add(AUTOTUNE_TASKS[task].id);
  }
  // Runoff, as the workflow calls it for a target_recall job holding its lease: two finalists
  // (here the same graph twice) re-measured side by side through the worker pool.
  const runoffJob = "01JRUNOFF0000000000000000A";
  // The tuned job frees its lease just after recording SUCCEEDED: wait until it is free.
  const leases = new DynamoLeaseStore(clients.doc, settings.tables.leases);
  await expect
    .poll(async () => (await leases.acquire("pkg", runoffJob, Date.now(), 60_000)).acquired, {
      timeout: 10_000,
    })
    .toBe(true);
  const measured = tuned.body.trials[0];
  const point = {
    trial_id: measured.trial_id,
    ef_search: measured.config.ef_search,
    recall: measured.metrics.recall_at_k,
    p50_us: measured.metrics.search_latency_p50_us,
  };
  const finalist = {
    group: { m: measured.config.m, ef_construction: measured.config.ef_construction, seed: 42 },
    build: {
      snapshot_key: measured.snapshot_key,
      memory_bytes: measured.metrics.memory_bytes,
      build_time_ms: measured.metrics.build_time_ms,
      found_ef: measured.config.ef_search,
      points: [point],
    },
  };
  const runoff = await host.call(AUTOTUNE_TASKS.Runoff.id, {
    job_id: runoffJob,
    index_name: "pkg",
    harness: "pkg-h",
    tuning: {
      strategy: "target_recall",
      min_recall: 0,
      space: { m: [8], ef_construction: { min: 20, max: 40 }, max_ef_search: 64 },
      max_builds: 2,
    },
    max_concurrency: 0,
    refresh_harness: false,
    history: [finalist, { ...finalist, group: { ...finalist.group, m: 9 } }],
  });
  expect(runoff.trial_ids).toHaveLength(2);
  answered.add(AUTOTUNE_TASKS.Runoff.id);
  await leases.release("pkg", runoffJob);
  const jobId = tuned.body.job_id as string;
  expect((await api("GetAutotune", { params: { job_id: jobId } })).body.status).toBe("SUCCEEDED");
  expect((await api("ListAutotune", { query: { index_name: "pkg" } })).body.jobs).toHaveLength(1);
  // Abandon (Decide's Catch) on a finished job keeps its record.
  const abandoned = await host.call(AUTOTUNE_TASKS.Abandon.id, {
    job_id: jobId,
    index_name: "pkg",
    error: { Error: "Test", Cause: "not really" },
  });
  expect(abandoned).toMatchObject({ job_id: jobId, status: "SUCCEEDED" });
  answered.add(AUTOTUNE_TASKS.Abandon.id);
  const scheduled = await host.call(SCHEDULE.function.id, { time: new Date().toISOString() });
  expect(scheduled).toEqual({ started: [], skipped: ["pkg"] });
  answered.add(SCHEDULE.function.id);
}
