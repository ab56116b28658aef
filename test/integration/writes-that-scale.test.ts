import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { ActivationService } from "../../src/app/activation-service";
import { Compactor } from "../../src/app/compactor";
import { GenerationBuilder, type GenerationBuilderDeps } from "../../src/app/generation-builder";
import { createClients } from "../../src/clients";
import { DEFAULT_COMPACTION } from "../../src/domain/compaction";
import { localTasks } from "../../src/local/local-tasks";
import { gatedRunner } from "../support/gated-runner";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

// Graphs carry their labels, activations are ordered, deletes start clean.

const env = useLocalStack();
const api = env.api;

async function trialOn(index: string) {
  await api.post(`/vectors/hnsw/evals/${index}-h/autogen`, { index_name: index, count: 3, k: 2 });
  const trial = await api.post("/vectors/hnsw/trial", {
    index_name: index,
    harness: `${index}-h`,
    config: { ef_construction: 20, ef_search: 20, m: 8 },
  });
  expect(trial.status).toBe(201);
  return trial.body.trial_id as string;
}

const search = async (index: string, vector: number[]) =>
  (await api.post(`/vectors/indexes/${index}/search`, { vector, k: 1 })).body;

describe("graphs carry their labels", () => {
  it("serves a reused snapshot with the right ids after a compaction reordered the rows", async () => {
    await api.put("/vectors/indexes/labels", { dimension: 4, metric: "l2" });
    const rows = randomVectors(12, 4, 31);
    await api.post("/vectors/indexes/labels/vectors", { vectors: rows.slice(0, 6) });
    await api.post("/vectors/indexes/labels/vectors", { vectors: rows.slice(6) });
    // A re-upsert with the same values: r0 stays first in the load order (first insertion)...
    await api.post("/vectors/indexes/labels/vectors", { vectors: [rows[0]] });
    const record = await env.services.vectors.getIndex("labels");
    const before = await env.services.vectors.load(record);
    expect(before.ids[0]).toBe(rows[0]?.id);
    const trialId = await trialOn("labels");
    // ...until a compaction merges its segments (same data, same data_version): then it is last.
    const compactor = new Compactor({
      catalog: (env.services as any).vectors.catalog,
      segments: (env.services as any).vectors.segments,
      leases: (env.services as any).compactor.deps.leases,
      policy: { ...DEFAULT_COMPACTION, fanout: 2 },
    });
    expect((await compactor.run("labels")).merges).toBeGreaterThan(0);
    const compacted = await env.services.vectors.getIndex("labels");
    expect(compacted.dataVersion).toBe(record.dataVersion);
    // A cold instance (another Lambda) loads the rows in their new order.
    (env.services.vectors as any).loaded.clear();
    const after = await env.services.vectors.load(compacted);
    expect(after.ids.at(-1)).toBe(rows[0]?.id);
    expect((await api.post(`/vectors/hnsw/promote/labels/${trialId}`)).status).toBe(200);
    const activated = (await api.post("/vectors/hnsw/activate/labels", {})).body;
    expect(activated.reused_snapshot).toBe(true);
    for (const row of rows) {
      const hit = await search("labels", row.values);
      expect(hit).toMatchObject({ mode: "hnsw" });
      expect(hit.results[0]).toMatchObject({ id: row.id, distance: 0 });
    }
  });

  it("catches up a snapshot whose rows were re-upserted since, with the right ids", async () => {
    await api.put("/vectors/indexes/relabel", { dimension: 4, metric: "l2" });
    const rows = randomVectors(10, 4, 41);
    await upsertAll(api, "relabel", rows);
    const trialId = await trialOn("relabel");
    await api.post(`/vectors/hnsw/promote/relabel/${trialId}`);
    // New values for an existing id, and a reordering compaction.
    const moved = { id: rows[3]?.id as string, values: [9, 9, 9, 9] };
    await api.post("/vectors/indexes/relabel/vectors", { vectors: [moved] });
    await localTasks().drain();
    const activated = (await api.post("/vectors/hnsw/activate/relabel", {})).body;
    expect(activated).toMatchObject({
      reused_snapshot: true,
      graph: "caught_up",
      graph_source: "snapshot",
      vectors_added: 1,
      vectors: 10,
    });
    expect((await search("relabel", moved.values)).results[0]).toMatchObject({
      id: moved.id,
      distance: 0,
    });
    // The old values of the re-upserted id are marked deleted in the graph.
    const old = await search("relabel", rows[3]?.values as number[]);
    expect(old.results[0].distance).toBeGreaterThan(0);
    expect((await search("relabel", rows[5]?.values as number[])).results[0].id).toBe(rows[5]?.id);
  });
});

describe("ordered activations", () => {
  it("lets the generation of the newest data win: the older of two activations answers 409", async () => {
    await api.put("/vectors/indexes/order", { dimension: 4, metric: "l2" });
    await upsertAll(api, "order", randomVectors(20, 4, 51));
    // Activation A loads data_version 1, then waits inside its build until B has flipped.
    const {
      runner: slowRunner,
      inside: building,
      release: releaseA,
    } = gatedRunner(env.services.runner, "build");
    const builderDeps = (env.services.builder as any).deps as GenerationBuilderDeps;
    const slow = new ActivationService({
      ...(env.services as any).activation.deps,
      builder: new GenerationBuilder({ ...builderDeps, runner: slowRunner }),
      log: () => undefined,
    });
    const a = slow.activate("order").then(
      () => "flipped",
      (err: { code?: string; message: string }) => err,
    );
    await building;
    await api.post("/vectors/indexes/order/vectors", { vectors: randomVectors(1, 4, 52, "new") });
    const b = await api.post("/vectors/hnsw/activate/order", {});
    expect(b.body.generation).toBe(1);
    releaseA();
    const outcome = (await a) as { code: string; message: string };
    expect(outcome.code).toBe("stale_activation");
    expect(outcome.message).toMatch(
      /already serves generation 1, built from data_version 2; this graph was built from data_version 1 \(older\)/,
    );
    const active = (await api.get("/vectors/indexes/order")).body.active;
    expect(active).toMatchObject({ generation: 1, data_version: 2 });
    expect(
      (await search("order", randomVectors(1, 4, 52, "new")[0]?.values as number[])).results[0].id,
    ).toBe("new0");
  });
});

describe("clean deletes", () => {
  it("starts a re-created index clean: no trials, promotions, jobs or policies of the old one", async () => {
    await api.put("/vectors/indexes/again", { dimension: 4, metric: "l2" });
    await upsertAll(api, "again", randomVectors(30, 4, 61));
    const oldTrial = await trialOn("again");
    await api.post(`/vectors/hnsw/promote/again/${oldTrial}`);
    await api.put("/vectors/hnsw/autotune/policies/again", {
      harness: "again-h",
      every_minutes: 5,
      min_new_vectors: 1,
    });
    const job = await api.post("/vectors/hnsw/autotune", {
      index_name: "again",
      harness: "again-h",
      grid: [{ ef_construction: 20, ef_search: 10, m: 8 }],
      wait_seconds: 25,
    });
    expect(job.body.status).toBe("SUCCEEDED");

    expect((await api.delete("/vectors/indexes/again")).status).toBe(204);
    await api.put("/vectors/indexes/again", { dimension: 4, metric: "l2" });

    expect((await api.get("/vectors/hnsw/promoted/again")).body).toMatchObject({
      current: null,
      history: [],
    });
    expect((await api.get("/vectors/hnsw/trials/again")).body.trials).toEqual([]);
    const old = await api.get(`/vectors/hnsw/trials/again/${oldTrial}`);
    expect(old.status).toBe(404);
    expect(old.body.error.message).toMatch(/belongs to an earlier index "again"/);
    expect((await api.post(`/vectors/hnsw/promote/again/${oldTrial}`)).status).toBe(404);
    expect((await api.get("/vectors/hnsw/autotune?index_name=again")).body.jobs).toEqual([]);
    expect((await api.get("/vectors/hnsw/autotune/policies/again")).status).toBe(404);
    // Appends do not fire the old policy, and nothing old is activated.
    await upsertAll(api, "again", randomVectors(5, 4, 62));
    expect((await api.get("/vectors/hnsw/autotune?index_name=again")).body.jobs).toEqual([]);
    const activated = (await api.post("/vectors/hnsw/activate/again", {})).body;
    expect(activated).toMatchObject({ config_source: "default", reused_snapshot: false });
  });

  it("fences a policy a crashed delete left behind: it never fires, and is removed", async () => {
    await api.put("/vectors/indexes/ghost", { dimension: 4, metric: "l2" });
    await upsertAll(api, "ghost", randomVectors(10, 4, 71));
    await api.post("/vectors/hnsw/evals/ghost-h/autogen", { index_name: "ghost", count: 2, k: 2 });
    const old = (await api.get("/vectors/indexes/ghost")).body;
    await api.delete("/vectors/indexes/ghost");
    await api.put("/vectors/indexes/ghost", { dimension: 4, metric: "l2" });
    // Fault injection: the policy of the old incarnation survived its index's deletion.
    const clients = createClients(env.stack.settings);
    await clients.doc.send(
      new PutCommand({
        TableName: env.stack.settings.tables.policies,
        Item: {
          index_name: "ghost",
          index_uid: `not-${old.name}`,
          harness: "ghost-h",
          strategy: "max_recall",
          min_recall: 0.9,
          grid: null,
          space: null,
          max_builds: null,
          every_minutes: 5,
          min_new_vectors: 1,
          last_started_at: null,
          last_job_id: null,
          vectors_written_at_last_start: 0,
        },
      }),
    );
    expect((await api.get("/vectors/hnsw/autotune/policies/ghost")).status).toBe(404);
    await upsertAll(api, "ghost", randomVectors(3, 4, 72));
    const result = await env.services.policies.runScheduled();
    expect(result.started).not.toContain("ghost");
    expect(await (env.services as any).policies.deps.policies.get("ghost")).toBeUndefined();
    expect((await api.get("/vectors/hnsw/autotune?index_name=ghost")).body.jobs).toEqual([]);
  });
});
