import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ROUTES, type RouteSpec } from "../../infra/routes";
import { LOCAL_BUCKET_NAME, TABLES, type TableKey } from "../../infra/tables";
import { createClients } from "../../src/clients";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

// A property-based fuzzer over every route: each request carries at least one defect (a bad
// path parameter, a wrong method, broken or non-object JSON, an unknown field, a field of the
// wrong type or out of range, a bad query parameter), with noise on top (deep nesting, oversized
// strings and arrays). Every answer must be a 4xx in the error shape; afterwards the service
// still answers, and catalog, segments, journal, registry, jobs and the rest are unchanged.

const env = useLocalStack();
const api = env.api;

const VEC = [0.1, 0.2, 0.3, 0.4];
const TRIAL_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

/** A valid request per route (templates the fuzzer breaks), over the fixture below. */
const TEMPLATES: Record<
  string,
  { params: Record<string, string>; body?: Record<string, unknown>; query?: Record<string, string> }
> = {
  PutIndex: { params: { index: "fz-new" }, body: { dimension: 4, metric: "l2" } },
  ListIndexes: { params: {} },
  GetIndex: { params: { index: "fz" } },
  DeleteIndex: { params: { index: "fz" } },
  UpsertVectors: {
    params: { index: "fz" },
    body: { vectors: [{ id: "n1", values: VEC, metadata: { a: 1 } }] },
  },
  GetVector: { params: { index: "fz", id: "v1" } },
  DeleteVector: { params: { index: "fz", id: "v1" } },
  Search: { params: { index: "fz" }, body: { vector: VEC, k: 5 } },
  CreateEval: {
    params: { name: "fz-q" },
    query: { wait_seconds: "5" },
    body: { index_name: "fz", k: 3, queries: [{ vector: VEC }] },
  },
  AutogenEval: {
    params: { name: "fz-a" },
    query: { wait_seconds: "5" },
    body: { index_name: "fz", count: 5, k: 3 },
  },
  GetEval: { params: { name: "fz-h" } },
  RefreshEval: { params: { name: "fz-h" }, query: { wait_seconds: "5" } },
  GetHarnessRun: { params: { index: "fz", run_id: TRIAL_ID } },
  RunTrial: {
    params: {},
    query: { wait_seconds: "5" },
    body: {
      index_name: "fz",
      harness: "fz-h",
      config: { ef_construction: 40, ef_search: 20, m: 8 },
    },
  },
  GetTrialRun: { params: { index: "fz", run_id: TRIAL_ID } },
  ListTrials: { params: { index: "fz" }, query: { limit: "10" } },
  GetTrial: { params: { index: "fz", trial_id: TRIAL_ID } },
  BestTrial: { params: { index: "fz" }, query: { min_recall: "0.5" } },
  PromoteTrial: { params: { index: "fz", trial_id: TRIAL_ID }, query: { promoted_by: "fuzz" } },
  RollbackPromotion: { params: { index: "fz" } },
  GetPromoted: { params: { index: "fz" } },
  ActivateIndex: {
    params: { index: "fz" },
    query: { wait_seconds: "5" },
    body: { default_config: { ef_construction: 40, ef_search: 20, m: 8 } },
  },
  GetActivation: { params: { index: "fz", activation_id: TRIAL_ID } },
  PutProfile: { params: { id: "fzp" }, body: { indexes: ["fz"] } },
  GetProfile: { params: { id: "fzp" } },
  ActivateProfile: { params: { id: "fzp" }, query: { wait_seconds: "5" } },
  ProfileSearch: { params: { id: "fzp" }, body: { index_name: "fz", vector: VEC } },
  StartAutotune: { params: {}, body: { index_name: "fz", harness: "fz-h" } },
  ListAutotune: { params: {}, query: { index_name: "fz" } },
  GetAutotune: { params: { job_id: TRIAL_ID } },
  PutPolicy: { params: { index: "fz" }, body: { harness: "fz-h", every_minutes: 60 } },
  GetPolicy: { params: { index: "fz" } },
  DeletePolicy: { params: { index: "fz" } },
  CreateUpload: { params: {}, body: { format: "npy" } },
  StartImport: {
    params: { index: "fz" },
    body: { source: `s3://${LOCAL_BUCKET_NAME}/uploads/fz.npy`, format: "npy", id_prefix: "i" },
  },
  GetImport: { params: { index: "fz", import_id: TRIAL_ID } },
  GetOpenApi: { params: {} },
  GetDashboard: { params: {} },
  GetDashboardAsset: { params: { file: "app.js" } },
};

/** Values every path parameter's schema refuses (percent-encoded as they go in a path). */
const BAD_PARAM: Record<string, string[]> = {
  name: ["UPPER", "-lead", "a%20b", "a.b", "%C3%A9t%C3%A9", "x".repeat(64), "a%00b"],
  id: ["%00", "nl%0A", "tab%09x", "c1%C2%85", "del%7F", "x".repeat(257), "%ED%A0%80", "%E0%A4%A"],
  ulid: ["abc", "0".repeat(25), "01arz3ndektsv4rrffq69g5fav", "01ARZ3NDEKTSV4RRFFQ69G5FAI", "%00"],
};
/** The schema kind of a path parameter: vector ids, ULIDs, or names (indexes, harnesses, profiles). */
const paramKind = (route: RouteSpec, param: string) =>
  param === "id" && route.path.includes("/vectors/{id}")
    ? "id"
    : ["trial_id", "job_id", "import_id", "activation_id", "run_id"].includes(param)
      ? "ulid"
      : "name";

/** Values no field of any schema accepts where a number, a name, a vector or a flag is due. */
const BAD_VALUES: unknown[] = [
  -1,
  1e12,
  1.5,
  "3",
  "",
  null,
  true,
  [],
  {},
  ["x"],
  [null],
  [1e40, 1, 1, 1],
  "x".repeat(20_000),
  { $bad: 1 },
];

/** Fields of each body (dotted paths into the template) and the bad values each must refuse. */
const FIELDS: Record<string, [string, unknown[]][]> = {
  PutIndex: [
    ["dimension", [-1, 0, 5000, 1.5, "4", null]],
    ["metric", ["L2", "euclid", 1, null]],
    ["maintenance", [{ catch_up_fraction: 0 }, { rebuild_deleted_fraction: 2 }, "x", { x: 1 }]],
  ],
  UpsertVectors: [
    [
      "vectors",
      [[], "x", {}, Array.from({ length: 1001 }, (_, i) => ({ id: `m${i}`, values: VEC }))],
    ],
    ["vectors.0.id", ["", 5, "\u0000x", "nl\n", "\u0085", "x".repeat(300), "\ud800"]],
    ["vectors.0.values", [["a", 1, 1, 1], [null, 1, 1, 1], [1e40, 1, 1, 1], [], [1, 2], "x"]],
    ["vectors.0.metadata", ["x", [1], 5]],
  ],
  Search: [
    ["vector", [["a", 1, 1, 1], [], [1, 2, 3], "x"]],
    ["k", [0, -1, 1001, 1.5, "5"]],
    ["ef_search", [0, 5000, "x"]],
    ["exact", ["yes", 1]],
    ["consistency", ["fresh", 1]],
    ["filter", [{ $bad: 1 }, { a: { $gt: "x" } }, { $or: [] }, [], { a: null }, nest(20)]],
  ],
  CreateEval: [
    ["index_name", ["BAD", 5]],
    ["k", [0, 101]],
    ["queries", [[], "x", [{ vector: "x" }]]],
  ],
  AutogenEval: [
    ["index_name", ["BAD", null]],
    ["count", [0, -5, 100_000, "5"]],
    ["k", [0, 1000]],
  ],
  RunTrial: [
    ["index_name", ["BAD"]],
    ["harness", ["BAD", 5]],
    ["config.m", [1, 1000, "8"]],
    ["config.ef_construction", [1, 100_000]],
    ["config.ef_search", [0, 100_000]],
    ["note", ["x".repeat(1001), 5]],
  ],
  ActivateIndex: [["default_config", ["x", { m: 8 }, { ef_construction: 5, ef_search: 20 }]]],
  PutProfile: [["indexes", [[], ["BAD"], "fz", Array(101).fill("fz")]]],
  ProfileSearch: [
    ["index_name", ["BAD", 5]],
    ["vector", [[], ["a"]]],
  ],
  StartAutotune: [
    ["index_name", ["BAD"]],
    ["harness", [5]],
    ["wait_seconds", [-1, 26]],
    ["min_recall", [2, -1, "x"]],
    ["grid", [[], "x", Array(51).fill({ ef_construction: 40, ef_search: 20, m: 8 })]],
    ["strategy", ["best", 1]],
  ],
  CreateUpload: [["format", ["csv", "NPY", 1, null]]],
  StartImport: [
    ["source", ["http://x/y.npy", "s3://", "s3://bucket", 5, ""]],
    ["format", ["csv", 1]],
    ["id_prefix", ["\u0000", "nl\n", 5, "x".repeat(201)]],
  ],
  PutPolicy: [
    ["harness", ["BAD"]],
    ["every_minutes", [1, 0, "60"]],
    ["min_new_vectors", [0, -3, 1.5]],
  ],
};

const QUERIES: Record<string, Record<string, string>[]> = {
  ListTrials: [
    { limit: "0" },
    { limit: "abc" },
    { limit: "201" },
    { limit: "1.5" },
    { next_token: "" },
    { next_token: "not-a-token" },
  ],
  BestTrial: [{ min_recall: "2" }, { min_recall: "-0.1" }, { min_recall: "abc" }],
  PromoteTrial: [{ promoted_by: "" }, { promoted_by: "x".repeat(300) }, { note: "x".repeat(1001) }],
  ListAutotune: [
    { index_name: "BAD" },
    {},
    { index_name: "fz", limit: "0" },
    { index_name: "fz", limit: "101" },
  ],
};

function nest(depth: number): unknown {
  let v: unknown = { a: 1 };
  for (let i = 0; i < depth; i++) v = { $and: [v] };
  return v;
}

function set(
  target: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(target);
  const parts = path.split(".");
  let at: Record<string, unknown> = copy;
  for (const p of parts.slice(0, -1)) at = at[p] as Record<string, unknown>;
  at[parts.at(-1) as string] = value;
  return copy;
}

interface Request {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly defect: string;
}

function pathOf(route: RouteSpec, params: Record<string, string>, query?: Record<string, string>) {
  let path = route.path;
  for (const [name, value] of Object.entries(params)) path = path.replace(`{${name}}`, value);
  const qs = query ? new URLSearchParams(query).toString() : "";
  return qs ? `${path}?${qs}` : path;
}

/** Requests with at least one defect, for one route. */
function requestsFor(route: RouteSpec): fc.Arbitrary<Request> {
  const t = TEMPLATES[route.id];
  if (!t) throw new Error(`no template for ${route.id}`);
  const noise = fc.oneof(
    fc.constant({}),
    fc.constant({ zz_deep: nest(2000) }),
    fc.constant({ zz_long: "y".repeat(100_000) }),
    fc.constant({ zz_many: Array(5000).fill(1) }),
  );
  const options: fc.Arbitrary<Request>[] = [];
  const params = Object.keys(t.params);
  if (params.length > 0) {
    options.push(
      fc.record({ param: fc.constantFrom(...params), pick: fc.nat() }).map(({ param, pick }) => {
        const bad = BAD_PARAM[paramKind(route, param)] as string[];
        const value = bad[pick % bad.length] as string;
        const body = t.body ? JSON.stringify(t.body) : undefined;
        return {
          method: route.method,
          path: pathOf(route, { ...t.params, [param]: value }, t.query),
          ...(body ? { body } : {}),
          defect: `path ${param}=${value.slice(0, 30)}`,
        };
      }),
    );
  }
  const allowed = new Set<string>(ROUTES.filter((r) => r.path === route.path).map((r) => r.method));
  const wrong = ["GET", "PUT", "POST", "DELETE", "PATCH"].filter((m) => !allowed.has(m));
  options.push(
    fc.constantFrom(...wrong).map((method) => ({
      method,
      path: pathOf(route, t.params, t.query),
      defect: `method ${method}`,
    })),
  );
  if (t.body) {
    const body = t.body;
    const path = pathOf(route, t.params, t.query);
    options.push(
      fc
        .constantFrom("{", '{"a":}', "[1,2", "nul", '"open', "\u0000", "{}}")
        .map((text) => ({ method: route.method, path, body: text, defect: `json ${text}` })),
      fc.constantFrom(1, "s", [], null, true, [body]).map((v) => ({
        method: route.method,
        path,
        body: JSON.stringify(v),
        defect: "not an object",
      })),
      fc.tuple(noise, fc.jsonValue({ maxDepth: 3 })).map(([extra, v]) => ({
        method: route.method,
        path,
        body: JSON.stringify({ ...body, ...extra, zz_unknown: v }),
        defect: "unknown field",
      })),
    );
    const fields = FIELDS[route.id] ?? [];
    if (fields.length > 0) {
      options.push(
        fc
          .record({ f: fc.constantFrom(...fields), pick: fc.nat(), extra: noise })
          .map(({ f, pick, extra }) => {
            const [field, bad] = f;
            const value = bad[pick % bad.length];
            const broken = set(body, field, value);
            // Noise goes in only as unknown fields (it is a second defect, never a masking one).
            const withNoise = Object.keys(extra).length > 0 ? { ...broken, ...extra } : broken;
            return {
              method: route.method,
              path,
              body: JSON.stringify(withNoise),
              defect: `field ${field}=${JSON.stringify(value)?.slice(0, 40)}`,
            };
          }),
      );
    }
    // Any other field of the body, replaced by a value no schema takes there.
    options.push(
      fc
        .record({ key: fc.constantFrom(...Object.keys(body)), pick: fc.nat() })
        .map(({ key, pick }) => {
          const value = BAD_VALUES[pick % BAD_VALUES.length];
          return {
            method: route.method,
            path,
            body: JSON.stringify({ ...body, [key]: value, zz_unknown: 1 }),
            defect: `${key} replaced, and an unknown field`,
          };
        }),
    );
  }
  const queries = QUERIES[route.id];
  if (queries) {
    options.push(
      fc.constantFrom(...queries).map((query) => ({
        method: route.method,
        path: pathOf(route, t.params, query),
        ...(t.body ? { body: JSON.stringify(t.body) } : {}),
        defect: `query ${JSON.stringify(query).slice(0, 60)}`,
      })),
    );
  }
  return fc.oneof(...options);
}

/** Everything the service stores: every table's items and every object's key and tag. */
async function snapshot() {
  const clients = createClients(env.stack.settings);
  const tables: Record<string, unknown[]> = {};
  for (const key of Object.keys(TABLES) as TableKey[]) {
    const out = await clients.doc.send(
      new ScanCommand({ TableName: env.stack.settings.tables[key], ConsistentRead: true }),
    );
    tables[key] = (out.Items ?? []).sort((a, b) =>
      JSON.stringify(a).localeCompare(JSON.stringify(b)),
    );
  }
  const objects = await clients.s3.send(
    new ListObjectsV2Command({ Bucket: env.stack.settings.bucket }),
  );
  return {
    tables,
    objects: (objects.Contents ?? []).map((o) => `${o.Key} ${o.ETag} ${o.Size}`).sort(),
  };
}

beforeAll(async () => {
  // A fixture every template refers to: an index with vectors, a harness, a trial, a
  // promotion, a profile and a policy.
  await api.put("/vectors/indexes/fz", { dimension: 4, metric: "l2" });
  await upsertAll(
    api,
    "fz",
    randomVectors(40, 4, 2).map((r, i) => ({ ...r, id: `v${i}` })),
  );
  await api.post("/vectors/hnsw/evals/fz-h/autogen", { index_name: "fz", count: 5, k: 3 });
  const trial = await api.post("/vectors/hnsw/trial", {
    index_name: "fz",
    harness: "fz-h",
    config: { ef_construction: 40, ef_search: 20, m: 8 },
  });
  await api.post(`/vectors/hnsw/promote/fz/${trial.body.trial_id}`);
  await api.put("/vectors/profiles/fzp", { indexes: ["fz"] });
  await api.put("/vectors/hnsw/autotune/policies/fz", { harness: "fz-h", every_minutes: 600 });
});

/** Sends one request; asserts a 4xx in the error shape; the status. */
async function refused(request: Request): Promise<number> {
  const res = await fetch(`${env.stack.url}${request.path}`, {
    method: request.method,
    ...(request.body !== undefined
      ? { body: request.body, headers: { "content-type": "application/json" } }
      : {}),
  });
  const text = await res.text();
  const where = `${request.method} ${request.path.slice(0, 120)} (${request.defect}) -> ${res.status} ${text.slice(0, 300)}`;
  expect(res.status, where).toBeGreaterThanOrEqual(400);
  expect(res.status, where).toBeLessThan(500);
  const body = JSON.parse(text);
  expect(Object.keys(body), where).toEqual(["error"]);
  expect(typeof body.error.code, where).toBe("string");
  expect(typeof body.error.message, where).toBe("string");
  expect(body.error.message, where).not.toMatch(/\n\s+at /);
  return res.status;
}

/** Every listed bad value of every field, and every bad path parameter, once each. */
function everyListedDefect(): Request[] {
  const out: Request[] = [];
  for (const route of ROUTES) {
    const t = TEMPLATES[route.id];
    if (!t) continue;
    for (const [field, bad] of FIELDS[route.id] ?? []) {
      for (const value of bad) {
        out.push({
          method: route.method,
          path: pathOf(route, t.params, t.query),
          body: JSON.stringify(set(t.body ?? {}, field, value)),
          defect: `field ${field}=${JSON.stringify(value)?.slice(0, 40)}`,
        });
      }
    }
    for (const param of Object.keys(t.params)) {
      for (const value of BAD_PARAM[paramKind(route, param)] ?? []) {
        out.push({
          method: route.method,
          path: pathOf(route, { ...t.params, [param]: value }, t.query),
          ...(t.body ? { body: JSON.stringify(t.body) } : {}),
          defect: `path ${param}=${value.slice(0, 30)}`,
        });
      }
    }
    for (const query of QUERIES[route.id] ?? []) {
      out.push({
        method: route.method,
        path: pathOf(route, t.params, query),
        ...(t.body ? { body: JSON.stringify(t.body) } : {}),
        defect: `query ${JSON.stringify(query).slice(0, 60)}`,
      });
    }
  }
  return out;
}

describe("fuzzing every route", () => {
  it("answers every malformed request 4xx in the error shape, and changes nothing", async () => {
    const before = await snapshot();
    const seen = new Map<string, number>();
    const count = (status: number) => seen.set(String(status), (seen.get(String(status)) ?? 0) + 1);
    const listed = everyListedDefect();
    expect(listed.length).toBeGreaterThan(200);
    for (const request of listed) count(await refused(request));
    // Then random combinations, with noise, 40 per route.
    for (const route of ROUTES) {
      await fc.assert(
        fc.asyncProperty(requestsFor(route), async (request) => {
          count(await refused(request));
        }),
        { numRuns: 40 },
      );
    }
    // Refusals of every kind were seen, not one kind only.
    expect([...seen.keys()].sort()).toEqual(expect.arrayContaining(["400", "405"]));
    expect(await snapshot()).toEqual(before);
    // The service still answers.
    expect((await api.get("/vectors/indexes/fz")).body.count).toBe(40);
    const hit = await api.post("/vectors/indexes/fz/search", { vector: VEC, k: 1 });
    expect(hit.status).toBe(200);
  });
});
