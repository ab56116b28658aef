import { LOCAL_BUCKET_NAME } from "../../infra/tables";

// The fuzzer's data (see test/integration/fuzz.test.ts): a valid request per route, and the bad
// values, fields and queries laid over them.

/** A filter nested `depth` levels deep (`$and` of `$and`s). */
export function nest(depth: number): unknown {
  let v: unknown = { a: 1 };
  for (let i = 0; i < depth; i++) v = { $and: [v] };
  return v;
}

export const VEC = [0.1, 0.2, 0.3, 0.4];
export const TRIAL_ID = "01ARZ3NDEKTSV4RRFFQ69G5FAV";

/** A valid request per route (templates the fuzzer breaks), over the fixture below. */
export const TEMPLATES: Record<
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
  DeleteVectors: { params: { index: "fz" }, body: { ids: ["v1", "v2"] } },
  GetVectors: { params: { index: "fz" }, body: { ids: ["v1", "nope"] } },
  ListVectors: { params: { index: "fz" } },
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
  ListEvals: { params: {}, query: { index_name: "fz", limit: "5" } },
  GetEval: { params: { name: "fz-h" } },
  DeleteEval: { params: { name: "fz-h" } },
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
  DeleteProfile: { params: { id: "fzp" } },
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
export const BAD_PARAM: Record<string, string[]> = {
  name: ["UPPER", "-lead", "a%20b", "a.b", "%C3%A9t%C3%A9", "x".repeat(64), "a%00b"],
  id: ["%00", "nl%0A", "tab%09x", "c1%C2%85", "del%7F", "x".repeat(257), "%ED%A0%80", "%E0%A4%A"],
  ulid: ["abc", "0".repeat(25), "01arz3ndektsv4rrffq69g5fav", "01ARZ3NDEKTSV4RRFFQ69G5FAI", "%00"],
};

/** Values no field of any schema accepts where a number, a name, a vector or a flag is due. */
export const BAD_VALUES: unknown[] = [
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
export const FIELDS: Record<string, [string, unknown[]][]> = {
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
    ["vectors.0.metadata", ["x", [1], 5, { t: "x".repeat(41_000) }]],
  ],
  DeleteVectors: [
    ["ids", [[], "v1", {}, ["v1", "v1"], Array.from({ length: 1001 }, (_, i) => `m${i}`)]],
    ["ids.0", ["", 5, "\u0000x", "x".repeat(300), null]],
  ],
  GetVectors: [
    ["ids", [[], "v1", ["v1", "v1"], Array.from({ length: 101 }, (_, i) => `m${i}`)]],
    ["ids.0", ["", 5, "x".repeat(300)]],
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

export const QUERIES: Record<string, Record<string, string>[]> = {
  ListIndexes: [
    { limit: "0" },
    { limit: "1001" },
    { limit: "x" },
    { next_token: "" },
    { next_token: "not-a-token" },
  ],
  ListVectors: [
    { limit: "0" },
    { limit: "1001" },
    { limit: "x" },
    { next_token: "" },
    { next_token: "not-a-token" },
    // base64url JSON of the right shape, but not a hash
    { next_token: Buffer.from('{"after":"xyz"}').toString("base64url") },
  ],
  ListTrials: [
    { limit: "0" },
    { limit: "abc" },
    { limit: "201" },
    { limit: "1.5" },
    { next_token: "" },
    { next_token: "not-a-token" },
  ],
  ListEvals: [
    { limit: "0" },
    { limit: "101" },
    { limit: "x" },
    { index_name: "BAD" },
    { next_token: "" },
    { next_token: "Not A Name" },
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
