import { type FunctionSpec, VECTOR_LOADING_MEMORY_MB } from "./function-spec";
import { READ_INDEX, type RouteSpec, SEARCH_THROTTLE } from "./route-spec";

/**
 * Deleting vectors (one, or a batch): a segment of deletions and its catalog append; the
 * compaction or catch-up it leaves due starts as a task. Never trial snapshots.
 */
const DELETE_VECTORS: FunctionSpec["access"] = {
  objects: { segments: ["read", "write", "delete"] },
  tables: { indexes: ["GetItem", "UpdateItem"] },
  startsTasks: ["compact", "catchUp"],
};

/** The routes of indexes and their data: indexes, vectors, search, uploads and imports. */
export const DATA_ROUTES: readonly RouteSpec[] = [
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
    // The digests of the segments the id directory does not cover (every one without it: 8 bytes
    // per stored row), as writers hold them, and a run of the directory a listing reads ahead.
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
];
