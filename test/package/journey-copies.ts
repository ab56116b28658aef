import { expect } from "vitest";
import { randomVectors, withCopiesOfOne } from "../support/vectors";
import type { DeployedCalls } from "./deployed-calls";

// A chapter of the deployed packages' journey (./packages.test.ts).

/**
 * The shipped addon is the patched build (patches/hnswlib-node+3.0.0+001+copies.patch): a trial on an index
 * where 17% of the vectors are copies of one, built by the RunTrialTask bundle's worker, finds the
 * true neighbors (or their ties). Unpatched, the copies close in on themselves and this config
 * reads recall 0.93 on this data (0.999 patched; `test/unit/hnsw-copies.test.ts`).
 */
export async function copiesThroughTheBundle(calls: DeployedCalls) {
  const { api, settledTask } = calls;
  const index = { params: { index: "pkg-copies" } };
  const dimension = 16;
  expect((await api("PutIndex", { ...index, body: { dimension, metric: "l2" } })).status).toBe(201);
  const vectors = withCopiesOfOne(2000, 400, dimension);
  for (let i = 0; i < vectors.length; i += 1000) {
    const batch = { vectors: vectors.slice(i, i + 1000) };
    expect((await api("UpsertVectors", { ...index, body: batch })).status).toBe(200);
  }
  const queries = randomVectors(200, dimension, 6, "q").map((q) => ({
    id: q.id,
    vector: q.values,
  }));
  const harness = { index_name: "pkg-copies", k: 10, queries };
  expect(
    (await api("CreateEval", { params: { name: "pkg-copies-q" }, body: harness })).status,
  ).toBe(201);
  const config = { ef_construction: 100, ef_search: 100, m: 16, seed: 1 };
  const body = { index_name: "pkg-copies", harness: "pkg-copies-q", config };
  const trial = await api("RunTrial", { body });
  expect(trial.status).toBe(201);
  expect(await settledTask("RunTrialTask")).toMatchObject({
    result: { trial_id: trial.body.trial_id },
  });
  expect(trial.body.metrics.recall_at_k).toBeGreaterThanOrEqual(0.98);
}
