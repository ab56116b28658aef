import type { TableKey } from "./tables";

/** What a function may do with a table; its IAM grant is derived from this and nothing else. */
export type TableAccess = "read" | "write" | "readWrite";
/** What a function may do with the bucket's objects (`read` includes listing). */
export type BucketAccess = "read" | "write" | "delete";

/**
 * One HTTP route and the Lambda function behind it, defined once: the CDK stack creates the
 * function, its grants and the API Gateway route from it; the local server routes requests with
 * the same table and calls the same handler.
 */
export interface RouteSpec {
  /** Construct id of the function (PascalCase). */
  readonly id: string;
  readonly method: "GET" | "PUT" | "POST" | "DELETE";
  /** API Gateway path, with `{param}` placeholders. */
  readonly path: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  /** What the function touches: the bucket and tables, each with its access. */
  readonly access: {
    readonly bucket?: readonly BucketAccess[];
    readonly tables?: Partial<Record<TableKey, TableAccess>>;
  };
  /** Lambda memory in MB (default 512). */
  readonly memoryMb?: number;
  /** Lambda timeout in seconds (default 29, API Gateway's own limit). */
  readonly timeoutSeconds?: number;
  /** Uses hnswlib's native addon on worker threads (the bundle ships both). */
  readonly hnsw?: boolean;
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
    access: { bucket: ["read", "write", "delete"], tables: { indexes: "readWrite" } },
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
  },
  {
    id: "CreateEval",
    method: "POST",
    path: "/vectors/hnsw/evals/{name}",
    entry: "functions/create-eval.ts",
    access: { bucket: ["read", "write", "delete"], tables: { indexes: "read" } },
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    hnsw: true,
  },
  {
    id: "AutogenEval",
    method: "POST",
    path: "/vectors/hnsw/evals/{name}/autogen",
    entry: "functions/autogen-eval.ts",
    access: { bucket: ["read", "write", "delete"], tables: { indexes: "read" } },
    memoryMb: GRAPH_BUILDING_MEMORY_MB,
    hnsw: true,
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
    hnsw: true,
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
    hnsw: true,
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
];

/** Environment variable naming the bundled HNSW worker file of a function with `hnsw: true`. */
export const WORKER_ENV_VAR = "VECTORD_HNSW_WORKER";

/** `METHOD /path`, as API Gateway names a route. */
export function routeKey(route: Pick<RouteSpec, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}
