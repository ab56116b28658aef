import type { StorageAreaName } from "./storage";
import type { TableKey } from "./tables";

/**
 * What a Lambda function is and may do, as plain data shared by the CDK stack (which derives the
 * function, its IAM policy and its route from it) and the local stack (which runs the same
 * handler). No CDK imports, so Lambda bundles can read it too.
 */

/**
 * Work that never runs in a request, each a function of its own (see `background-tasks.ts`):
 * `compact` merges an index's segments, `catchUp` folds new vectors into its active graph,
 * `activate` makes the generation an activation asked for and flips the index to it, `trial`
 * builds, measures and journals a manual trial, `harness` computes a harness's ground truth,
 * `purge` removes the objects of an index's dead incarnations (a deleted index).
 */
export type BackgroundTaskName = "compact" | "catchUp" | "activate" | "trial" | "harness" | "purge";

/** What a function may do with the objects of a storage area. */
export type ObjectVerb = "read" | "write" | "delete";

/** A DynamoDB item action, or a query of a global secondary index (`Query:<index>`). */
export type TableAction =
  | "GetItem"
  | "PutItem"
  | "UpdateItem"
  | "DeleteItem"
  | "Query"
  | "Scan"
  | `Query:${string}`;

/** Everything a function touches. Its IAM policy grants exactly this and nothing else. */
export interface FunctionAccess {
  /** Object actions per storage area (`read` is s3:GetObject, `write` s3:PutObject, ...). */
  readonly objects?: Partial<Record<StorageAreaName, readonly ObjectVerb[]>>;
  /** Areas whose keys the function lists (s3:ListBucket on the area's prefix). */
  readonly lists?: readonly StorageAreaName[];
  /** The exact DynamoDB actions the function calls, per table. */
  readonly tables?: Partial<Record<TableKey, readonly TableAction[]>>;
  /** Starts executions of the autotune state machine. */
  readonly startsAutotune?: boolean;
  /** Starts executions of the bulk-import state machine. */
  readonly startsImport?: boolean;
  /** Background tasks it starts (invokes their functions asynchronously). */
  readonly startsTasks?: readonly BackgroundTaskName[];
}

/** API Gateway throttling of a route: steady requests per second and burst. */
export interface Throttle {
  /** Steady requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a burst. */
  readonly burstLimit: number;
}

/** One Lambda function: its code, what it may touch, its size. */
export interface FunctionSpec {
  /** Construct id of the function (PascalCase). */
  readonly id: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  /** Everything it touches: its IAM policy grants exactly this. */
  readonly access: FunctionAccess;
  /** Lambda memory in MB (default {@link DEFAULT_MEMORY_MB}). */
  readonly memoryMb?: number;
  /** Lambda timeout in seconds (default 29, API Gateway's own limit). */
  readonly timeoutSeconds?: number;
  /**
   * Uses hnswlib's native addon: `serve` loads graphs to search them (the bundle ships the addon);
   * `build` also builds graphs on worker threads (it ships the worker bundle too).
   */
  readonly hnsw?: "serve" | "build";
  /** Ships the dashboard's files (`src/http/dashboard-assets.ts`) in its `dashboard/` folder. */
  readonly assets?: "dashboard";
}

/** Memory of a function that declares none. */
export const DEFAULT_MEMORY_MB = 512;
/**
 * Memory of functions that load an index's vectors or graph (one full vCPU); for the graph servers
 * the default of `vectord:searchMemoryMb`. See README, "Sizing".
 */
export const VECTOR_LOADING_MEMORY_MB = 1769;
/**
 * Memory of functions that build graphs or ground truth, by default (`vectord:builderMemoryMb`):
 * 2 vCPUs for the worker threads.
 */
export const GRAPH_BUILDING_MEMORY_MB = 3538;
/** Lambda's largest memory setting, in MB (6 vCPUs). */
export const LAMBDA_MAX_MEMORY_MB = 10_240;

/**
 * The memory of the two classes of functions a deployment sizes to its indexes (CDK context
 * `vectord:builderMemoryMb`, `vectord:searchMemoryMb`; see README, "Sizing"). Lambda gives CPU in
 * proportion to memory, so a larger builder also has more vCPUs: more worker threads, and a
 * catch-up that adds on all of them.
 */
export interface MemorySettings {
  /**
   * Memory of every function that builds graphs or ground truth (`hnsw: "build"`), in MB
   * (default {@link GRAPH_BUILDING_MEMORY_MB}).
   */
  readonly builderMemoryMb: number;
  /**
   * Memory of the functions that serve graphs (`hnsw: "serve"`: search and profile search), in MB
   * (default {@link VECTOR_LOADING_MEMORY_MB}).
   */
  readonly searchMemoryMb: number;
}

/**
 * `spec` with the memory `settings` give its class: graph builders and graph servers take theirs
 * from `settings` (their specs declare the defaults); every other function keeps its own.
 */
export function sizedSpec(spec: FunctionSpec, settings: MemorySettings): FunctionSpec {
  if (spec.hnsw === "build") return { ...spec, memoryMb: settings.builderMemoryMb };
  if (spec.hnsw === "serve") return { ...spec, memoryMb: settings.searchMemoryMb };
  return spec;
}

/** Lambda's smallest and largest ephemeral storage (`/tmp`), in MB. */
export const EPHEMERAL_STORAGE_MB = { min: 512, max: 10_240 } as const;

/**
 * `/tmp` a function needs, in MB. hnswlib reads and writes graphs by file path only, and a graph
 * a function can hold in memory is at most its memory size: a function that serves graphs writes
 * one graph file at a time (memory; a graph stored as a patch is made whole as its base and patch
 * stream in, with no copy of either on disk); one that builds graphs may have one file per worker
 * thread (2 vCPUs from the default 3,538 MB) plus the one it is uploading (3 × memory; a catch-up
 * holds a kept input and its output, removes a downloaded input before writing the output, and
 * streams its patch from the output). Clamped to Lambda's range.
 */
export function ephemeralStorageMb(spec: Pick<FunctionSpec, "hnsw" | "memoryMb">): number {
  const memory = spec.memoryMb ?? DEFAULT_MEMORY_MB;
  const files = spec.hnsw === "build" ? 3 : spec.hnsw === "serve" ? 1 : 0;
  return Math.min(EPHEMERAL_STORAGE_MB.max, Math.max(EPHEMERAL_STORAGE_MB.min, files * memory));
}
