import type { TableKey } from "./tables";

/** What a function may do with a table; its IAM grant is derived from this and nothing else. */
export type TableAccess = "read" | "write" | "readWrite";
/** What a function may do with the bucket's objects (`read` includes listing). */
export type BucketAccess = "read" | "write" | "delete";

/** One Lambda function: its code, what it may touch, its size. */
export interface FunctionSpec {
  /** Construct id of the function (PascalCase). */
  readonly id: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  /** What the function touches: the bucket and tables, each with its access. */
  readonly access: {
    readonly bucket?: readonly BucketAccess[];
    readonly tables?: Partial<Record<TableKey, TableAccess>>;
    /** Starts executions of the autotune state machine. */
    readonly startsAutotune?: boolean;
  };
  /** Lambda memory in MB (default 512). */
  readonly memoryMb?: number;
  /** Lambda timeout in seconds (default 29, API Gateway's own limit). */
  readonly timeoutSeconds?: number;
  /**
   * Uses hnswlib's native addon: `serve` loads graphs to search them (the bundle ships the addon);
   * `build` also builds graphs on worker threads (it ships the worker bundle too).
   */
  readonly hnsw?: "serve" | "build";
}

/**
 * One HTTP route and the Lambda function behind it, defined once: the CDK stack creates the
 * function, its grants and the API Gateway route from it; the local server routes requests with
 * the same table and calls the same handler.
 */
export interface RouteSpec extends FunctionSpec {
  readonly method: "GET" | "PUT" | "POST" | "DELETE";
  /** API Gateway path, with `{param}` placeholders. */
  readonly path: string;
}

/** Memory of functions that load an index's vectors; see README, "Sizing". */
const VECTOR_LOADING_MEMORY_MB = 1769;
/** Memory of functions that build graphs or ground truth: 2 vCPUs for the worker threads. */
const GRAPH_BUILDING_MEMORY_MB = 3538;

export const ROUTES: readonly RouteSpec[] = [
  {
    id: "PutIndex",
    method: "PUT",
    path: "/vectors/indexes/{index}",
    entry: "functions/put-index.ts",
    access: { tables: { indexes: "readWrite" } },
  },
  {
    id: "ListIndexes",
    method: "GET",
    path: "/vectors/indexes",
    entry: "functions/list-indexes.ts",
    access: { tables: { indexes: "read" } },
  },
  {
    id: "GetIndex",
    method: "GET",
    path: "/vectors/indexes/{index}",
    entry: "functions/get-index.ts",
    access: { tables: { indexes: "read" } },
  },
  {
    id: "DeleteIndex",
    method: "DELETE",
    path: "/vectors/indexes/{index}",
    entry: "functions/delete-index.ts",
    access: { bucket: ["read", "delete"], tables: { indexes: "readWrite" } },
  },
  {
    id: "UpsertVectors",
    method: "POST",
    path: "/vectors/indexes/{index}/vectors",
    entry: "functions/upsert-vectors.ts",
    // The append trigger may start an autotune: policies, leases, jobs and the state machine.
    access: {
      bucket: ["read", "write", "delete"],
      tables: {
        indexes: "readWrite",
        policies: "readWrite",
        leases: "readWrite",
        jobs: "readWrite",
      },
      startsAutotune: true,
    },
    memoryMb: 1024,
  },
  {
    id: "GetVector",
    method: "GET",
    path: "/vectors/indexes/{index}/vectors/{id}",
    entry: "functions/get-vector.ts",
    access: { bucket: ["read"], tables: { indexes: "read" } },
    memoryMb: VECTOR_LOADING_MEMORY_MB,
  },
  {
    id: "DeleteVector",
    method: "DELETE",
    path: "/vectors/indexes/{index}/vectors/{id}",
    entry: "functions/delete-vector.ts",
    access: { bucket: ["read", "write", "delete"], tables: { indexes: "readWrite" } },
  },
  {
    id: "Search",
    method: "POST",
    path: "/vectors/indexes/{index}/search",
    entry: "functions/search.ts",
    access: { bucket: ["read"], tables: { indexes: "read" } },
    memoryMb: VECTOR_LOADING_MEMORY_MB,
    hnsw: "serve",
  },
  {
    id: "CreateEval",
    method: "POST",
    path: "/vectors/hnsw/evals/{name}",
    entry: "functions/create-eval.ts",
    access: { bucket: ["read", "write", "delete"], tables: { indexes: "read" } },
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    hnsw: "build",
  },
  {
    id: "AutogenEval",
    method: "POST",
    path: "/vectors/hnsw/evals/{name}/autogen",
    entry: "functions/autogen-eval.ts",
    access: { bucket: ["read", "write", "delete"], tables: { indexes: "read" } },
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    hnsw: "build",
  },
  {
    id: "GetEval",
    method: "GET",
    path: "/vectors/hnsw/evals/{name}",
    entry: "functions/get-eval.ts",
    access: { bucket: ["read"], tables: { indexes: "read" } },
  },
  {
    id: "RefreshEval",
    method: "POST",
    path: "/vectors/hnsw/evals/{name}/refresh",
    entry: "functions/refresh-eval.ts",
    access: { bucket: ["read", "write", "delete"], tables: { indexes: "read" } },
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    hnsw: "build",
  },
  {
    id: "RunTrial",
    method: "POST",
    path: "/vectors/hnsw/trial",
    entry: "functions/run-trial.ts",
    access: {
      bucket: ["read", "write", "delete"],
      tables: { indexes: "read", trials: "readWrite" },
    },
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    hnsw: "build",
  },
  {
    id: "ListTrials",
    method: "GET",
    path: "/vectors/hnsw/trials/{index}",
    entry: "functions/list-trials.ts",
    access: { tables: { indexes: "read", trials: "read" } },
  },
  {
    id: "GetTrial",
    method: "GET",
    path: "/vectors/hnsw/trials/{index}/{trial_id}",
    entry: "functions/get-trial.ts",
    access: { tables: { indexes: "read", trials: "read" } },
  },
  {
    id: "BestTrial",
    method: "GET",
    path: "/vectors/hnsw/trials/{index}/best",
    entry: "functions/best-trial.ts",
    access: { tables: { indexes: "read", trials: "read" } },
  },
  {
    id: "PromoteTrial",
    method: "POST",
    path: "/vectors/hnsw/promote/{index}/{trial_id}",
    entry: "functions/promote-trial.ts",
    access: { tables: { indexes: "read", trials: "read", promotions: "readWrite" } },
  },
  {
    id: "RollbackPromotion",
    method: "POST",
    path: "/vectors/hnsw/rollback/{index}",
    entry: "functions/rollback-promotion.ts",
    access: { tables: { indexes: "read", promotions: "readWrite" } },
  },
  {
    id: "GetPromoted",
    method: "GET",
    path: "/vectors/hnsw/promoted/{index}",
    entry: "functions/get-promoted.ts",
    access: { tables: { indexes: "read", promotions: "read" } },
  },
  {
    id: "ActivateIndex",
    method: "POST",
    path: "/vectors/hnsw/activate/{index}",
    entry: "functions/activate-index.ts",
    access: {
      bucket: ["read", "write", "delete"],
      tables: { indexes: "readWrite", promotions: "read" },
    },
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    hnsw: "build",
  },
  {
    id: "PutProfile",
    method: "PUT",
    path: "/vectors/profiles/{id}",
    entry: "functions/put-profile.ts",
    access: { tables: { indexes: "read", profiles: "readWrite" } },
  },
  {
    id: "GetProfile",
    method: "GET",
    path: "/vectors/profiles/{id}",
    entry: "functions/get-profile.ts",
    access: { tables: { profiles: "read" } },
  },
  {
    id: "ActivateProfile",
    method: "POST",
    path: "/vectors/profiles/{id}/activate",
    entry: "functions/activate-profile.ts",
    access: {
      bucket: ["read", "write", "delete"],
      tables: { indexes: "readWrite", promotions: "read", profiles: "read" },
    },
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    hnsw: "build",
  },
  {
    id: "ProfileSearch",
    method: "POST",
    path: "/vectors/profiles/{id}/search",
    entry: "functions/profile-search.ts",
    access: { bucket: ["read"], tables: { indexes: "read", profiles: "read" } },
    memoryMb: VECTOR_LOADING_MEMORY_MB,
    hnsw: "serve",
  },
  {
    id: "StartAutotune",
    method: "POST",
    path: "/vectors/hnsw/autotune",
    entry: "functions/start-autotune.ts",
    access: {
      bucket: ["read"],
      tables: { indexes: "read", policies: "readWrite", leases: "readWrite", jobs: "readWrite" },
      startsAutotune: true,
    },
  },
  {
    id: "ListAutotune",
    method: "GET",
    path: "/vectors/hnsw/autotune",
    entry: "functions/list-autotune.ts",
    // Reading settles abandoned jobs (RUNNING past their lease) as FAILED: a write.
    access: { tables: { indexes: "read", jobs: "readWrite" } },
  },
  {
    id: "GetAutotune",
    method: "GET",
    path: "/vectors/hnsw/autotune/{job_id}",
    entry: "functions/get-autotune.ts",
    access: { tables: { jobs: "readWrite" } },
  },
  {
    id: "PutPolicy",
    method: "PUT",
    path: "/vectors/hnsw/autotune/policies/{index}",
    entry: "functions/put-policy.ts",
    access: { bucket: ["read"], tables: { indexes: "read", policies: "readWrite" } },
  },
  {
    id: "GetPolicy",
    method: "GET",
    path: "/vectors/hnsw/autotune/policies/{index}",
    entry: "functions/get-policy.ts",
    access: { tables: { policies: "read" } },
  },
  {
    id: "DeletePolicy",
    method: "DELETE",
    path: "/vectors/hnsw/autotune/policies/{index}",
    entry: "functions/delete-policy.ts",
    access: { tables: { policies: "readWrite" } },
  },
];

/** Environment variable naming the bundled HNSW worker file of a function with `hnsw: true`. */
export const WORKER_ENV_VAR = "VECTORD_HNSW_WORKER";

/** `METHOD /path`, as API Gateway names a route. */
export function routeKey(route: Pick<RouteSpec, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}
