import { type FunctionSpec, type Throttle, VECTOR_LOADING_MEMORY_MB } from "./function-spec";

export type { FunctionSpec } from "./function-spec";

/**
 * One HTTP route and the Lambda function behind it, defined once: the CDK stack creates the
 * function, its grants and the API Gateway route from it; the local server routes requests with
 * the same table and calls the same handler.
 */
export interface RouteSpec extends FunctionSpec {
  readonly method: "GET" | "PUT" | "POST" | "DELETE";
  /** API Gateway path, with `{param}` placeholders. */
  readonly path: string;
  /** Overrides the stage's {@link DEFAULT_THROTTLE} for this route. */
  readonly throttle?: Throttle;
}

/** Stage-wide API Gateway throttling; a route may override it (`throttle`). */
export const DEFAULT_THROTTLE: Throttle = { rateLimit: 200, burstLimit: 400 };
/** Searches are the hot path: they get more headroom. */
const SEARCH_THROTTLE: Throttle = { rateLimit: 1000, burstLimit: 2000 };
/** Graph builds take seconds of CPU each: a few per second per API at most. */
const BUILD_THROTTLE: Throttle = { rateLimit: 5, burstLimit: 10 };

/** What every route that reads an index's catalog item needs. */
const READ_INDEX = ["GetItem"] as const;

/**
 * Deleting vectors (one, or a batch): a segment of deletions and its catalog append; the
 * compaction or catch-up it leaves due starts as a task. Never trial snapshots.
 */
const DELETE_VECTORS: FunctionSpec["access"] = {
  objects: { segments: ["read", "write", "delete"] },
  tables: { indexes: ["GetItem", "UpdateItem"] },
  startsTasks: ["compact", "catchUp"],
};

/**
 * Answers every request no route matches (API Gateway's `$default` route, and the local server's
 * fallback): 404 `route_not_found`, or 405 `method_not_allowed` naming the allowed methods.
 */
export const DEFAULT_ROUTE: FunctionSpec = {
  id: "NoRoute",
  entry: "functions/no-route.ts",
  access: {},
};

export const ROUTES: readonly RouteSpec[] = [
  {
    id: "PutIndex",
    method: "PUT",
    path: "/vectors/indexes/{index}",
    entry: "functions/put-index.ts",
    access: { tables: { indexes: ["PutItem", "GetItem"] } },
  },
  {
    id: "ListIndexes",
    method: "GET",
    path: "/vectors/indexes",
    entry: "functions/list-indexes.ts",
    access: { tables: { indexes: ["Scan"] } },
  },
  {
    id: "GetIndex",
    method: "GET",
    path: "/vectors/indexes/{index}",
    entry: "functions/get-index.ts",
    access: { tables: { indexes: READ_INDEX } },
  },
  {
    id: "DeleteIndex",
    method: "DELETE",
    path: "/vectors/indexes/{index}",
    entry: "functions/delete-index.ts",
    // Removes the catalog record and the small records; the objects go in the purge task.
    access: {
      startsTasks: ["purge"],
      tables: {
        indexes: ["DeleteItem"],
        promotions: ["DeleteItem"],
        policies: ["DeleteItem"],
        leases: ["DeleteItem"],
      },
    },
  },
  {
    id: "UpsertVectors",
    method: "POST",
    path: "/vectors/indexes/{index}/vectors",
    entry: "functions/upsert-vectors.ts",
    // The append trigger may start an autotune: policies, leases, jobs and the state machine.
    access: {
      objects: { segments: ["read", "write", "delete"], evals: ["read"] },
      tables: {
        indexes: ["GetItem", "UpdateItem"],
        policies: ["GetItem", "UpdateItem"],
        leases: ["PutItem", "GetItem", "DeleteItem"],
        jobs: ["PutItem"],
      },
      startsAutotune: true,
      startsTasks: ["compact", "catchUp"],
    },
    memoryMb: 1024,
  },
  {
    id: "GetVector",
    method: "GET",
    path: "/vectors/indexes/{index}/vectors/{id}",
    entry: "functions/get-vector.ts",
    access: { objects: { segments: ["read"] }, tables: { indexes: READ_INDEX } },
    memoryMb: VECTOR_LOADING_MEMORY_MB,
  },
  {
    id: "ListVectors",
    method: "GET",
    path: "/vectors/indexes/{index}/vectors",
    entry: "functions/list-vectors.ts",
    access: { objects: { segments: ["read"] }, tables: { indexes: READ_INDEX } },
    // The id digests of the index (8 bytes per stored row), as writers hold them.
    memoryMb: 1024,
  },
  {
    id: "GetVectors",
    method: "POST",
    path: "/vectors/indexes/{index}/vectors/get",
    entry: "functions/get-vectors.ts",
    access: { objects: { segments: ["read"] }, tables: { indexes: READ_INDEX } },
    memoryMb: VECTOR_LOADING_MEMORY_MB,
  },
  {
    id: "DeleteVector",
    method: "DELETE",
    path: "/vectors/indexes/{index}/vectors/{id}",
    entry: "functions/delete-vector.ts",
    access: DELETE_VECTORS,
  },
  {
    id: "DeleteVectors",
    method: "POST",
    path: "/vectors/indexes/{index}/vectors/delete",
    entry: "functions/delete-vectors.ts",
    access: DELETE_VECTORS,
  },
  {
    id: "Search",
    method: "POST",
    path: "/vectors/indexes/{index}/search",
    entry: "functions/search.ts",
    access: {
      objects: { segments: ["read"], generations: ["read"] },
      tables: { indexes: READ_INDEX },
    },
    memoryMb: VECTOR_LOADING_MEMORY_MB,
    hnsw: "serve",
    throttle: SEARCH_THROTTLE,
  },
  {
    id: "CreateUpload",
    method: "POST",
    path: "/vectors/uploads",
    entry: "functions/create-upload.ts",
    // Signs a PUT URL for one key under uploads/ (the signer needs s3:PutObject on it).
    access: { objects: { uploads: ["write"] } },
  },
  {
    id: "StartImport",
    method: "POST",
    path: "/vectors/indexes/{index}/imports",
    entry: "functions/start-import.ts",
    access: {
      // Checks the upload is there (HEAD) before starting the workflow.
      objects: { uploads: ["read"] },
      tables: { indexes: READ_INDEX, imports: ["PutItem"] },
      startsImport: true,
    },
  },
  {
    id: "GetImport",
    method: "GET",
    path: "/vectors/indexes/{index}/imports/{import_id}",
    entry: "functions/get-import.ts",
    access: { tables: { imports: ["GetItem"] } },
  },
  {
    id: "GetDashboard",
    method: "GET",
    path: "/",
    entry: "functions/get-dashboard.ts",
    access: {},
    assets: "dashboard",
  },
  {
    id: "GetDashboardAsset",
    method: "GET",
    path: "/dashboard/{file}",
    entry: "functions/get-dashboard.ts",
    access: {},
    assets: "dashboard",
  },
  {
    id: "GetOpenApi",
    method: "GET",
    path: "/openapi.json",
    entry: "functions/get-openapi.ts",
    access: {},
  },
  {
    id: "CreateEval",
    method: "POST",
    path: "/vectors/hnsw/evals/{name}",
    entry: "functions/create-eval.ts",
    // Checks the queries against the index's record, stages them for the harness task and
    // starts it; the request only waits for it.
    access: {
      objects: { staged: ["write", "delete"] },
      tables: { indexes: READ_INDEX, runs: ["PutItem", "GetItem", "UpdateItem"] },
      startsTasks: ["harness"],
    },
    // Each request starts an exact scan of the index.
    throttle: BUILD_THROTTLE,
  },
  {
    id: "AutogenEval",
    method: "POST",
    path: "/vectors/hnsw/evals/{name}/autogen",
    entry: "functions/autogen-eval.ts",
    access: {
      tables: { indexes: READ_INDEX, runs: ["PutItem", "GetItem", "UpdateItem"] },
      startsTasks: ["harness"],
    },
    throttle: BUILD_THROTTLE,
  },
  {
    id: "GetEval",
    method: "GET",
    path: "/vectors/hnsw/evals/{name}",
    entry: "functions/get-eval.ts",
    access: { objects: { evals: ["read"] }, tables: { indexes: READ_INDEX } },
  },
  {
    id: "RefreshEval",
    method: "POST",
    path: "/vectors/hnsw/evals/{name}/refresh",
    entry: "functions/refresh-eval.ts",
    // Reads the harness's description to find its index.
    access: {
      objects: { evals: ["read"] },
      tables: { indexes: READ_INDEX, runs: ["PutItem", "GetItem", "UpdateItem"] },
      startsTasks: ["harness"],
    },
    throttle: BUILD_THROTTLE,
  },
  {
    id: "GetHarnessRun",
    method: "GET",
    path: "/vectors/hnsw/harness-runs/{index}/{run_id}",
    entry: "functions/get-harness-run.ts",
    access: { tables: { runs: ["GetItem"] } },
  },
  {
    id: "RunTrial",
    method: "POST",
    path: "/vectors/hnsw/trial",
    entry: "functions/run-trial.ts",
    // Checks the index and harness, records the run and starts its task, which builds; the
    // request only waits for it.
    access: {
      objects: { evals: ["read"] },
      tables: { indexes: READ_INDEX, runs: ["PutItem", "GetItem", "UpdateItem"] },
      startsTasks: ["trial"],
    },
    // Each request starts a graph build.
    throttle: BUILD_THROTTLE,
  },
  {
    id: "GetTrialRun",
    method: "GET",
    path: "/vectors/hnsw/trial-runs/{index}/{run_id}",
    entry: "functions/get-trial-run.ts",
    access: { tables: { runs: ["GetItem"] } },
  },
  {
    id: "ListTrials",
    method: "GET",
    path: "/vectors/hnsw/trials/{index}",
    entry: "functions/list-trials.ts",
    access: { tables: { indexes: READ_INDEX, trials: ["Query"] } },
  },
  {
    id: "GetTrial",
    method: "GET",
    path: "/vectors/hnsw/trials/{index}/{trial_id}",
    entry: "functions/get-trial.ts",
    access: { tables: { indexes: READ_INDEX, trials: ["GetItem"] } },
  },
  {
    id: "BestTrial",
    method: "GET",
    path: "/vectors/hnsw/trials/{index}/best",
    entry: "functions/best-trial.ts",
    access: { tables: { indexes: READ_INDEX, trials: ["Query"] } },
  },
  {
    id: "PromoteTrial",
    method: "POST",
    path: "/vectors/hnsw/promote/{index}/{trial_id}",
    entry: "functions/promote-trial.ts",
    access: {
      tables: { indexes: READ_INDEX, trials: ["GetItem"], promotions: ["GetItem", "PutItem"] },
    },
  },
  {
    id: "RollbackPromotion",
    method: "POST",
    path: "/vectors/hnsw/rollback/{index}",
    entry: "functions/rollback-promotion.ts",
    access: { tables: { indexes: READ_INDEX, promotions: ["GetItem", "PutItem"] } },
  },
  {
    id: "GetPromoted",
    method: "GET",
    path: "/vectors/hnsw/promoted/{index}",
    entry: "functions/get-promoted.ts",
    access: { tables: { indexes: READ_INDEX, promotions: ["GetItem"] } },
  },
  {
    id: "ActivateIndex",
    method: "POST",
    path: "/vectors/hnsw/activate/{index}",
    entry: "functions/activate-index.ts",
    // Records the activation and starts its task, which builds; the request only waits for it.
    access: {
      tables: { indexes: READ_INDEX, runs: ["PutItem", "GetItem", "UpdateItem"] },
      startsTasks: ["activate"],
    },
    // Each request starts a graph build.
    throttle: BUILD_THROTTLE,
  },
  {
    id: "GetActivation",
    method: "GET",
    path: "/vectors/hnsw/activations/{index}/{activation_id}",
    entry: "functions/get-activation.ts",
    access: { tables: { runs: ["GetItem"] } },
  },
  {
    id: "PutProfile",
    method: "PUT",
    path: "/vectors/profiles/{id}",
    entry: "functions/put-profile.ts",
    access: { tables: { indexes: READ_INDEX, profiles: ["GetItem", "PutItem"] } },
  },
  {
    id: "GetProfile",
    method: "GET",
    path: "/vectors/profiles/{id}",
    entry: "functions/get-profile.ts",
    access: { tables: { profiles: ["GetItem"] } },
  },
  {
    id: "ActivateProfile",
    method: "POST",
    path: "/vectors/profiles/{id}/activate",
    entry: "functions/activate-profile.ts",
    // One activation task per index of the profile; the request only waits for them.
    access: {
      tables: {
        indexes: READ_INDEX,
        profiles: ["GetItem"],
        runs: ["PutItem", "GetItem", "UpdateItem"],
      },
      startsTasks: ["activate"],
    },
    throttle: BUILD_THROTTLE,
  },
  {
    id: "ProfileSearch",
    method: "POST",
    path: "/vectors/profiles/{id}/search",
    entry: "functions/profile-search.ts",
    access: {
      objects: { segments: ["read"], generations: ["read"] },
      tables: { indexes: READ_INDEX, profiles: ["GetItem"] },
    },
    memoryMb: VECTOR_LOADING_MEMORY_MB,
    hnsw: "serve",
    throttle: SEARCH_THROTTLE,
  },
  {
    id: "StartAutotune",
    method: "POST",
    path: "/vectors/hnsw/autotune",
    entry: "functions/start-autotune.ts",
    access: {
      objects: { evals: ["read"] },
      tables: {
        indexes: READ_INDEX,
        policies: ["UpdateItem"],
        leases: ["PutItem", "GetItem", "DeleteItem"],
        jobs: ["PutItem", "GetItem"],
      },
      startsAutotune: true,
    },
  },
  {
    id: "ListAutotune",
    method: "GET",
    path: "/vectors/hnsw/autotune",
    entry: "functions/list-autotune.ts",
    // Reading settles abandoned jobs (RUNNING without a lease) as FAILED: a write.
    access: {
      tables: { indexes: READ_INDEX, jobs: ["Query:by_index", "PutItem"], leases: ["GetItem"] },
    },
  },
  {
    id: "GetAutotune",
    method: "GET",
    path: "/vectors/hnsw/autotune/{job_id}",
    entry: "functions/get-autotune.ts",
    access: { tables: { jobs: ["GetItem", "PutItem"], leases: ["GetItem"] } },
  },
  {
    id: "PutPolicy",
    method: "PUT",
    path: "/vectors/hnsw/autotune/policies/{index}",
    entry: "functions/put-policy.ts",
    access: {
      objects: { evals: ["read"] },
      tables: { indexes: READ_INDEX, policies: ["UpdateItem"] },
    },
  },
  {
    id: "GetPolicy",
    method: "GET",
    path: "/vectors/hnsw/autotune/policies/{index}",
    entry: "functions/get-policy.ts",
    // A policy left by a deleted index of the same name is not this one's: the catalog says.
    access: { tables: { indexes: READ_INDEX, policies: ["GetItem"] } },
  },
  {
    id: "DeletePolicy",
    method: "DELETE",
    path: "/vectors/hnsw/autotune/policies/{index}",
    entry: "functions/delete-policy.ts",
    access: { tables: { policies: ["DeleteItem"] } },
  },
];

/** `METHOD /path`, as API Gateway names a route. */
export function routeKey(route: Pick<RouteSpec, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}
