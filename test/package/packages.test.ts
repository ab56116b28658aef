import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_FUNCTIONS } from "../../infra/all-functions";
import { AUTOTUNE_TASKS, SCHEDULE } from "../../infra/autotune-workflow";
import { runtimeFiles } from "../../infra/bundling";
import { IMPORT_TASKS } from "../../infra/import-workflow";
import { DEFAULT_ROUTE, ROUTES, type RouteSpec } from "../../infra/routes";
import { DynamoLeaseStore } from "../../src/adapters/dynamo-lease-store";
import { S3BlobStore } from "../../src/adapters/s3-blob-store";
import { type Clients, createClients } from "../../src/clients";
import { SIMD_UNAVAILABLE } from "../../src/domain/scan-kernel";
import { ensureResources } from "../../src/local/bootstrap";
import { startEmulators } from "../../src/local/emulators";
import { localSettings } from "../../src/local/local-stack";
import type { Settings } from "../../src/settings";
import { createCatalog } from "../../src/wiring";
import { encodeNpy } from "../support/vector-files";
import { randomVectors } from "../support/vectors";
import { apiEvent, TEST_CALLER } from "./api-event";
import { AwsRecorder } from "./aws-recorder";
import { startLambdaEndpoint } from "./lambda-endpoint";
import { LambdaHost } from "./lambda-host";
import { startSfnEndpoint } from "./sfn-endpoint";
import { synthesizeForLocal } from "./synthesized";

// The deployed artifacts themselves: the stack is synthesized with real bundling, each function's
// asset folder is copied to an empty temporary folder and run under plain node against the
// emulators, the way Lambda would run it.

let outdir: string;
let host: LambdaHost;
let recorder: AwsRecorder;
let deployed: ReturnType<typeof synthesizeForLocal>;
let stopAll: () => Promise<void>;
let settings: Settings;
let lambda: Awaited<ReturnType<typeof startLambdaEndpoint>>;
let clients: Clients;

beforeAll(async () => {
  outdir = mkdtempSync(join(tmpdir(), "vectord-synth-"));
  deployed = synthesizeForLocal(outdir);
  const emulators = await startEmulators();
  settings = localSettings({
    s3: emulators.s3Endpoint,
    dynamodb: emulators.dynamodbEndpoint,
  });
  clients = createClients(settings);
  await ensureResources(clients, settings);
  recorder = new AwsRecorder(
    { dynamodb: emulators.dynamodbEndpoint, s3: emulators.s3Endpoint },
    (id) => deployed.statements.get(id) ?? [],
  );
  let sfnUrl = "";
  let lambdaUrl = "";
  host = new LambdaHost(deployed.functions, async (id) => {
    const endpoints = await recorder.endpointsFor(id);
    return {
      VECTORD_S3_ENDPOINT: endpoints.s3,
      VECTORD_DYNAMODB_ENDPOINT: endpoints.dynamodb,
      VECTORD_SFN_ENDPOINT: sfnUrl,
      VECTORD_LAMBDA_ENDPOINT: lambdaUrl,
    };
  });
  const sfn = await startSfnEndpoint(host);
  sfnUrl = sfn.url;
  lambda = await startLambdaEndpoint(host);
  lambdaUrl = lambda.url;
  stopAll = async () => {
    await host.stop();
    await sfn.close();
    await lambda.close();
    await recorder.close();
    await emulators.stop();
    rmSync(outdir, { recursive: true, force: true });
  };
}, 300_000);

afterAll(async () => {
  await stopAll?.();
});

const route = (id: string): RouteSpec => {
  const found = ROUTES.find((r) => r.id === id);
  if (!found) throw new Error(`no route ${id}`);
  return found;
};

/** Files under a folder, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => f.split("\\").join("/"))
    .sort();
}

describe("deployed packages", () => {
  it("ship the bundle, and only the files graph functions need at run time", () => {
    for (const [id, fn] of deployed.functions) {
      const files = filesUnder(fn.assetDir);
      expect(files, id).toEqual(expect.arrayContaining(["index.mjs"]));
      const spec = ALL_FUNCTIONS.find((s) => s.id === id);
      const modules = files.filter((f) => f.startsWith("node_modules/"));
      if (!spec?.hnsw) {
        expect(modules, id).toEqual([]);
        expect(files, id).not.toContain("hnsw-worker.mjs");
        continue;
      }
      const wanted = runtimeFiles(spec.hnsw).filter((f) => !f.includes("*"));
      expect(modules, id).toEqual(expect.arrayContaining(wanted));
      // Nothing else: no addon sources or build leftovers, no maps or typings of piscina.
      const extra = modules.filter(
        (f) =>
          !wanted.includes(f) &&
          !(spec.hnsw === "build" && /^node_modules\/piscina\/dist\/.*\.js$/.test(f)),
      );
      expect(extra, id).toEqual([]);
      expect(files.includes("hnsw-worker.mjs"), id).toBe(spec.hnsw === "build");
    }
  });

  it("every function answers as shipped: graphs build through the worker pool, search serves HNSW", async () => {
    const answered = new Set<string>();
    const api = async (id: string, request: Parameters<typeof apiEvent>[1] = {}) => {
      const response = await host.call(id, apiEvent(route(id), request));
      answered.add(id);
      if (response.statusCode >= 500) {
        throw new Error(`${id} answered ${response.body}\n${host.logsOf(id).slice(-3000)}`);
      }
      return {
        status: response.statusCode as number,
        body: response.body ? JSON.parse(response.body) : undefined,
      };
    };
    /** Waits for the background invocations so far; the result of `name`'s last one. */
    const settledTask = async (name: string) => {
      const outcomes = (await lambda.settled()).filter((c) => c.name === name);
      expect(outcomes.length).toBeGreaterThan(0);
      for (const { outcome } of outcomes) {
        if (!outcome.ok) throw new Error(`${name} failed: ${JSON.stringify(outcome)}`);
      }
      answered.add(name);
      return (outcomes.at(-1) as { outcome: { result: unknown } }).outcome.result;
    };
    const index = { params: { index: "pkg" } };
    // 64-d: wide enough that a catch-up of a few vectors is stored as a patch (see below).
    const dimension = 64;
    expect((await api("PutIndex", { ...index, body: { dimension, metric: "l2" } })).status).toBe(
      201,
    );
    const vectors = randomVectors(300, dimension, 7);
    const upsert = await api("UpsertVectors", { ...index, body: { vectors } });
    expect(upsert).toMatchObject({ status: 200, body: { count: 300 } });
    // Three more writes leave four small segments: the last write starts a compaction, an
    // asynchronous invocation of the CompactIndex bundle, which merges them.
    for (const extra of randomVectors(3, dimension, 17, "c")) {
      expect((await api("UpsertVectors", { ...index, body: { vectors: [extra] } })).status).toBe(
        200,
      );
    }
    expect(await settledTask("CompactIndex")).toMatchObject({ merges: 1 });
    expect((await api("GetIndex", index)).body.count).toBe(303);
    expect((await api("ListIndexes")).body.indexes).toHaveLength(1);
    expect((await api("GetVector", { params: { index: "pkg", id: "v3" } })).body.id).toBe("v3");
    const got = await api("GetVectors", { ...index, body: { ids: ["v4", "none", "v3"] } });
    expect(got.body.vectors.map((v: { id: string }) => v.id)).toEqual(["v4", "v3"]);
    expect(got.body.not_found).toEqual(["none"]);
    // Every id, over pages, after the merge.
    const listed: string[] = [];
    let next_token: string | undefined;
    do {
      const query = { limit: "100", ...(next_token ? { next_token } : {}) };
      const page = await api("ListVectors", { ...index, query });
      listed.push(...page.body.ids);
      next_token = page.body.next_token;
    } while (next_token);
    expect(new Set(listed).size).toBe(303);
    const exact = await api("Search", { ...index, body: { vector: vectors[5]?.values, k: 3 } });
    expect(exact.body.mode).toBe("exact");
    expect(exact.body.results[0]).toMatchObject({ id: "v5", distance: 0 });
    // The bundle scanned on its WebAssembly SIMD kernel, not the scalar fallback.
    expect(host.logsOf("Search")).not.toContain(SIMD_UNAVAILABLE);

    expect((await api("GetVector", { params: { index: "pkg", id: "c2" } })).body.id).toBe("c2");
    const harness = { index_name: "pkg", count: 20, k: 5 };
    const autogen = await api("AutogenEval", { params: { name: "pkg-h" }, body: harness });
    expect(autogen.status).toBe(201);
    // The request only waited: the HarnessTask bundle computed the ground truth and saved it.
    expect(await settledTask("HarnessTask")).toMatchObject({
      status: "SUCCEEDED",
      result: { name: "pkg-h", queryCount: 20 },
    });
    // Its worker thread computed the ground truth on the SIMD kernel too.
    expect(host.logsOf("HarnessTask")).not.toContain(SIMD_UNAVAILABLE);
    const harnessRun = { index: "pkg", run_id: autogen.body.run_id };
    expect((await api("GetHarnessRun", { params: harnessRun })).body).toMatchObject({
      status: "SUCCEEDED",
      action: "autogen",
      result: { name: "pkg-h", queries: 20 },
    });
    // Given queries are staged in the bucket for the task, which removes them.
    const given = { index_name: "pkg", k: 5, queries: [{ vector: vectors[1]?.values }] };
    expect((await api("CreateEval", { params: { name: "pkg-q" }, body: given })).status).toBe(201);
    expect(await settledTask("HarnessTask")).toMatchObject({ status: "SUCCEEDED" });
    expect((await api("GetEval", { params: { name: "pkg-h" } })).body.stale).toBe(false);
    expect((await api("RefreshEval", { params: { name: "pkg-q" } })).status).toBe(200);

    const config = { ef_construction: 40, ef_search: 20, m: 8 };
    const trial = await api("RunTrial", { body: { index_name: "pkg", harness: "pkg-h", config } });
    expect(trial.status).toBe(201);
    expect(trial.body.metrics.build_time_ms).toBeGreaterThan(0);
    expect(trial.body.metrics.recall_at_k).toBeGreaterThan(0.5);
    const trialId = trial.body.trial_id as string;
    // The request only waited: the RunTrialTask bundle built, measured and journaled the trial.
    expect(await settledTask("RunTrialTask")).toMatchObject({
      status: "SUCCEEDED",
      result: { trial_id: trialId },
    });
    const run = { index: "pkg", run_id: trial.body.run_id };
    expect((await api("GetTrialRun", { params: run })).body).toMatchObject({
      status: "SUCCEEDED",
      result: { trial_id: trialId, config },
    });
    expect((await api("ListTrials", index)).body.trials).toHaveLength(1);
    expect((await api("GetTrial", { params: { index: "pkg", trial_id: trialId } })).status).toBe(
      200,
    );
    expect((await api("BestTrial", index)).body.trial_id).toBe(trialId);
    const promoted = await api("PromoteTrial", { params: { index: "pkg", trial_id: trialId } });
    expect(promoted.body.current).toMatchObject({ trial_id: trialId, promoted_by: TEST_CALLER });
    expect((await api("GetPromoted", index)).body.current.trial_id).toBe(trialId);

    const reused = await api("ActivateIndex", index);
    expect(reused.body).toMatchObject({ generation: 1, reused_snapshot: true });
    const hnsw = await api("Search", { ...index, body: { vector: vectors[9]?.values, k: 3 } });
    expect(hnsw.body).toMatchObject({ mode: "hnsw", generation: 1 });
    expect(hnsw.body.results[0].id).toBe("v9");

    // 20 new vectors pass 5% of the graph: the write starts the CatchUpIndex bundle, and until it
    // is done searches find them in the exact scan of the pending vectors.
    const late = randomVectors(20, dimension, 8, "w");
    await api("UpsertVectors", { ...index, body: { vectors: late } });
    const pending = await api("Search", { ...index, body: { vector: late[3]?.values, k: 1 } });
    expect(pending.body.results[0]).toMatchObject({ id: "w3", distance: 0 });
    expect(await settledTask("CatchUpIndex")).toMatchObject({
      outcome: "caught_up",
      generation: 2,
      added: 20,
    });
    // The bundle stored the caught-up graph as a patch over the activated one; the search bundle
    // makes it whole and finds the new vectors in the graph itself.
    const catalog = createCatalog(settings, clients);
    const patched = (await catalog.get("pkg"))?.active;
    expect(patched?.graph_base).toEqual({ key: patched?.previous?.graph_key, elements: 303 });
    const caughtUp = await api("Search", { ...index, body: { vector: late[4]?.values, k: 1 } });
    expect(caughtUp.body).toMatchObject({ mode: "hnsw", generation: 2, pending_vectors: 0 });
    expect(caughtUp.body.results[0]).toMatchObject({ id: "w4", distance: 0 });
    // Replacing a third of the rows would leave too many deleted labels: the task rebuilds.
    const replaced = vectors
      .slice(0, 110)
      .map((v) => ({ id: v.id, values: v.values.map((x) => x + 1) }));
    await api("UpsertVectors", { ...index, body: { vectors: replaced } });
    expect(await settledTask("CatchUpIndex")).toMatchObject({ outcome: "built", generation: 3 });
    // Below the threshold nothing starts; activation catches the active graph up itself.
    await api("UpsertVectors", {
      ...index,
      body: { vectors: randomVectors(2, dimension, 9, "y") },
    });
    const activated = await api("ActivateIndex", index);
    expect(activated.body).toMatchObject({
      generation: 4,
      graph: "caught_up",
      graph_source: "active",
      vectors_added: 2,
    });
    expect(activated.body.build_time_ms).toBeGreaterThan(0);
    // The request only waited: the ActivateIndexTask bundle made the generation and recorded it.
    expect(await settledTask("ActivateIndexTask")).toMatchObject({
      status: "SUCCEEDED",
      result: { generation: 4 },
    });
    const activation = { index: "pkg", activation_id: activated.body.activation_id };
    expect((await api("GetActivation", { params: activation })).body).toMatchObject({
      status: "SUCCEEDED",
      result: { generation: 4, graph: "caught_up" },
    });

    const profile = { params: { id: "team" } };
    expect((await api("PutProfile", { ...profile, body: { indexes: ["pkg"] } })).status).toBe(200);
    expect((await api("GetProfile", profile)).body.indexes).toEqual(["pkg"]);
    expect((await api("ActivateProfile", profile)).body.results[0]).toMatchObject({ ok: true });
    const viaProfile = await api("ProfileSearch", {
      ...profile,
      body: { index_name: "pkg", vector: vectors[200]?.values, k: 2 },
    });
    expect(viaProfile.body.mode).toBe("hnsw");
    expect(viaProfile.body.results[0].id).toBe("v200");

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

    expect((await api("RollbackPromotion", index)).status).toBe(200);
    // Bulk import: a signed upload, then the import workflow's bundled tasks write the rows.
    const upload = await api("CreateUpload", { body: { format: "npy" } });
    expect(upload.status).toBe(201);
    const rows = randomVectors(20, dimension, 9).map((v) => v.values);
    const put = await fetch(upload.body.upload_url, { method: "PUT", body: encodeNpy(rows) });
    expect(put.status).toBe(200);
    const started = await api("StartImport", {
      ...index,
      body: { source: upload.body.source, format: "npy", id_prefix: "imp-" },
    });
    expect(started.status).toBe(202);
    const importParams = { params: { index: "pkg", import_id: started.body.import_id } };
    let imported = started.body;
    for (let i = 0; i < 200 && imported.status === "RUNNING"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      imported = (await api("GetImport", importParams)).body;
    }
    expect(imported).toMatchObject({ status: "SUCCEEDED", rows_done: 20 });
    for (const task of Object.values(IMPORT_TASKS)) answered.add(task.id);
    expect((await api("GetVector", { params: { index: "pkg", id: "imp-19" } })).status).toBe(200);
    // The dashboard ships in its bundle's dashboard/ folder: the page and uPlot.
    const page = await host.call("GetDashboard", apiEvent(route("GetDashboard")));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<script type="module" src="/dashboard/app.js">');
    const uplot = await host.call(
      "GetDashboardAsset",
      apiEvent(route("GetDashboardAsset"), { params: { file: "uPlot.esm.js" } }),
    );
    expect(uplot.headers["content-type"]).toMatch(/javascript/);
    expect(uplot.body).toContain("uPlot");
    answered.add("GetDashboard").add("GetDashboardAsset");
    const openapi = await api("GetOpenApi");
    expect(Object.keys(openapi.body.paths)).toContain("/vectors/indexes/{index}/imports");
    const missing = await host.call(DEFAULT_ROUTE.id, apiEvent("$default", { path: "/nope" }));
    expect(missing.statusCode).toBe(404);
    expect(JSON.parse(missing.body).error.code).toBe("route_not_found");
    answered.add(DEFAULT_ROUTE.id);
    expect((await api("DeleteVector", { params: { index: "pkg", id: "v1" } })).status).toBe(204);
    const deleted = await api("DeleteVectors", { ...index, body: { ids: ["v1", "v2", "none"] } });
    expect(deleted.body).toMatchObject({ deleted: 1 });
    expect((await api("DeletePolicy", index)).status).toBe(204);
    expect((await api("DeleteIndex", index)).status).toBe(204);
    // The request removed the record; the PurgeIndex bundle removed the objects.
    expect(await settledTask("PurgeIndex")).toBeGreaterThan(0);
    const bucket = new S3BlobStore(clients.s3, settings.bucket);
    expect(await bucket.list("indexes/pkg/")).toEqual([]);
    expect(await bucket.list("_hnsw_snapshots/pkg/")).toEqual([]);

    expect([...answered].sort()).toEqual([...deployed.functions.keys()].sort());
    // Each ran from its own copied folder, not from the repository.
    for (const id of answered) {
      const dir = host.folderOf(id) as string;
      expect(existsSync(join(dir, "index.mjs"))).toBe(true);
      expect(relative(process.cwd(), dir).startsWith("..")).toBe(true);
    }
  }, 300_000);

  it("made no AWS call that its function's IAM policy does not allow", () => {
    expect(recorder.calls.length).toBeGreaterThan(100);
    expect(recorder.denied().map((c) => `${c.functionId}: ${c.action} ${c.resource}`)).toEqual([]);
    // The recorder sees what it must: search read a generation, purging an index listed.
    expect(
      recorder.calls.some((c) => c.functionId === "Search" && c.resource.includes("/generations/")),
    ).toBe(true);
    expect(
      recorder.calls.some((c) => c.functionId === "PurgeIndex" && c.action === "s3:ListBucket"),
    ).toBe(true);
  });
});
