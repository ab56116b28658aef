import { VECTOR_LOADING_MEMORY_MB } from "./function-spec";
import { BUILD_THROTTLE, READ_INDEX, type RouteSpec, SEARCH_THROTTLE } from "./route-spec";

/**
 * The routes of HNSW tuning and serving: harnesses (evals) and their runs, trials, promotions,
 * activations, search profiles and autotune jobs and policies.
 */
export const TUNING_ROUTES: readonly RouteSpec[] = [
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
    id: "ListEvals",
    method: "GET",
    path: "/vectors/hnsw/evals",
    entry: "functions/list-evals.ts",
    // Lists the harnesses' folders, reads their descriptions, and their indexes' records.
    access: { objects: { evals: ["read"] }, lists: ["evals"], tables: { indexes: READ_INDEX } },
  },
  {
    id: "GetEval",
    method: "GET",
    path: "/vectors/hnsw/evals/{name}",
    entry: "functions/get-eval.ts",
    access: { objects: { evals: ["read"] }, tables: { indexes: READ_INDEX } },
  },
  {
    id: "DeleteEval",
    method: "DELETE",
    path: "/vectors/hnsw/evals/{name}",
    entry: "functions/delete-eval.ts",
    // Reads the harness's description to find its index, and that index's policy.
    access: { objects: { evals: ["read", "delete"] }, tables: { policies: ["GetItem"] } },
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
    id: "DeleteProfile",
    method: "DELETE",
    path: "/vectors/profiles/{id}",
    entry: "functions/delete-profile.ts",
    access: { tables: { profiles: ["DeleteItem"] } },
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
