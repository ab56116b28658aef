import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_FUNCTIONS } from "../../infra/all-functions";
import { runtimeFiles } from "../../infra/bundling";
import { type Clients, createClients } from "../../src/clients";
import { ROUTE_SCHEMAS } from "../../src/http/api-schemas";
import { ensureResources } from "../../src/local/bootstrap";
import { startEmulators } from "../../src/local/emulators";
import { localSettings } from "../../src/local/local-stack";
import type { Settings } from "../../src/settings";
import {
  expectedLanes,
  KERNEL_DIMENSION,
  kernelDistance,
  tellingPairs,
} from "../support/hnsw-kernels";
import { checkedRoutes } from "../support/response-shapes";
import { AwsRecorder } from "./aws-recorder";
import { deployedCalls } from "./deployed-calls";
import { policiesAndAutotune } from "./journey-autotune";
import { copiesThroughTheBundle } from "./journey-copies";
import { writesAndReads, writesThroughIdDirectory } from "./journey-data";
import { importsPagesAndDeletes } from "./journey-ends";
import { harnessesTrialsAndGraphs } from "./journey-graphs";
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
    const calls = deployedCalls({ host, lambda, settings, clients });
    const data = await writesAndReads(calls);
    await writesThroughIdDirectory(calls, data);
    await harnessesTrialsAndGraphs(calls, data);
    await policiesAndAutotune(calls);
    await importsPagesAndDeletes(calls, data);
    await copiesThroughTheBundle(calls);
    const { answered } = calls;
    expect([...answered].sort()).toEqual([...deployed.functions.keys()].sort());
    // Every route that declares its response answered at least once in it (each answer is checked).
    const declared = Object.keys(ROUTE_SCHEMAS).filter((id) => ROUTE_SCHEMAS[id]?.response);
    expect(declared.filter((id) => !checkedRoutes.has(id))).toEqual([]);
    // Each ran from its own copied folder, not from the repository.
    for (const id of answered) {
      const dir = host.folderOf(id) as string;
      expect(existsSync(join(dir, "index.mjs"))).toBe(true);
      expect(relative(process.cwd(), dir).startsWith("..")).toBe(true);
    }
  }, 300_000);

  it("ship hnswlib's AVX kernels: a graph function's addon, as shipped, computes with the kernel this CPU supports", () => {
    // The kernels are chosen at run time, so the shipped addon is checked by what it computes
    // (test/support/hnsw-kernels.ts): pairs whose distance differs under each kernel.
    const lanes = expectedLanes();
    for (const id of ["RunTrialTask", "Search"]) {
      // The function's asset folder, copied alone to an empty folder.
      const dir = join(mkdtempSync(join(tmpdir(), `vectord-kernels-${id}-`)), "fn");
      cpSync(deployed.functions.get(id)?.assetDir as string, dir, { recursive: true });
      cpSync(new URL("./kernel-probe.cjs", import.meta.url), join(dir, "kernel-probe.cjs"));
      for (const space of ["l2", "ip"] as const) {
        const pairs = tellingPairs(space, 20);
        const input = JSON.stringify({
          space,
          dimension: KERNEL_DIMENSION,
          pairs: pairs.map(([a, b]) => [Array.from(a), Array.from(b)]),
        });
        const out = execFileSync(process.execPath, ["kernel-probe.cjs"], {
          cwd: dir,
          input,
          env: { PATH: process.env.PATH },
        });
        const expected = pairs.map(([a, b]) => kernelDistance(space, lanes, a, b));
        expect(JSON.parse(out.toString()), `${id} ${space}`).toEqual(expected);
      }
      rmSync(dirname(dir), { recursive: true, force: true });
    }
  });

  it("made no AWS call that its function's IAM policy does not allow", () => {
    expect(recorder.calls.length).toBeGreaterThan(100);
    // The deployed writer, reader by id and lister asked the index's id directory.
    for (const id of ["UpsertVectors", "DeleteVector", "GetVectors", "ListVectors"]) {
      expect(
        recorder.calls.some((c) => c.functionId === id && c.resource.endsWith(".live")),
        id,
      ).toBe(true);
    }
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
