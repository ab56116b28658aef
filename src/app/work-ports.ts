import type { BackgroundTaskName } from "../../infra/background-tasks";
import type { Job } from "../domain/autotune";
import type { ErrorRecord } from "../domain/errors";
import type { ImportInput, ImportJob } from "../domain/import-job";
import type { TaskRun } from "../domain/task-run";
import type { Tuning } from "../domain/tuning";

// Ports for work and its records: autotune jobs and their leases, the runs of tasks a request
// starts, bulk imports, and what starts tasks and workflows. Stores of data: ./ports.ts.

/** Autotune job records. */
export interface JobStore {
  /** Records a new RUNNING job. */
  create(job: Job): Promise<void>;
  /** Replaces a RUNNING job with its final state; `false` if it was no longer RUNNING. */
  finish(job: Job): Promise<boolean>;
  /** A job, or `undefined`. */
  get(jobId: string): Promise<Job | undefined>;
  /** The newest jobs of an index first. */
  listByIndex(indexName: string, limit: number): Promise<Job[]>;
  /**
   * Updates a RUNNING job's progress: sets the given fields, and adds `addBuildsDone` to
   * `builds_done` (atomically, so concurrent build groups never lose a count). A job no longer
   * RUNNING is left as it is.
   */
  progress(
    jobId: string,
    update: {
      round?: number;
      builds_planned?: number;
      builds_done?: number;
      addBuildsDone?: number;
    },
  ): Promise<void>;
}

/** One lease per index: who may run an autotune on it, until when. */
export interface LeaseStore {
  /**
   * Takes (or, for the same job, renews) the index's lease until `nowMs + ttlMs`, unless another
   * job holds an unexpired one; then says which.
   */
  acquire(
    indexName: string,
    jobId: string,
    nowMs: number,
    ttlMs: number,
  ): Promise<{ acquired: true } | { acquired: false; holder: string }>;
  /**
   * Extends the lease to `nowMs + ttlMs` only while `jobId` still holds it unexpired; `false` when
   * it lost the lease (expired, released, or taken by another job).
   */
  renew(indexName: string, jobId: string, nowMs: number, ttlMs: number): Promise<boolean>;
  /**
   * Takes the index's lease from `fromJobId` for `jobId` until `nowMs + ttlMs`, whether or not it
   * expired, only while `fromJobId` still holds it (the caller knows that job has finished);
   * `false` when the lease changed hands or was freed meanwhile.
   */
  takeOver(
    indexName: string,
    fromJobId: string,
    jobId: string,
    nowMs: number,
    ttlMs: number,
  ): Promise<boolean>;
  /** The job holding an unexpired lease on the index, if any. */
  holder(indexName: string, nowMs: number): Promise<string | undefined>;
  /** Frees the lease if `jobId` still holds it. */
  release(indexName: string, jobId: string): Promise<void>;
  /** Removes the lease whoever holds it (the index is being deleted). */
  clear(indexName: string): Promise<void>;
}

/** The input of one autotune workflow execution. */
export interface AutotuneInput {
  /** The job. */
  readonly job_id: string;
  /** The index tuned. */
  readonly index_name: string;
  /** The harness measured against. */
  readonly harness: string;
  /** The strategy and what it needs, every default resolved. */
  readonly tuning: Tuning;
  /** Map concurrency (0: all groups at once). */
  readonly max_concurrency: number;
  /** Recompute the harness's ground truth first if the index changed. */
  readonly refresh_harness: boolean;
}

/**
 * Starts work that must not run in a request: on AWS an asynchronous invocation of the task's
 * function; locally the same handler in this process, after the response.
 */
export interface BackgroundTasks {
  /**
   * Starts `task` for an index without waiting for it: `compact` merges its segments, `catchUp`
   * folds its new vectors into its active graph (each at most once at a time per index);
   * `activate` and `trial` do the run `runId` (each run once).
   */
  start(task: BackgroundTaskName, indexName: string, runId?: string): Promise<void>;
}

/** Runs of the tasks requests start (activations, trials, harnesses), by index and run id. */
export interface RunStore {
  /** Creates a run; an existing id is never overwritten (that throws). */
  create(run: TaskRun): Promise<void>;
  /** A run of an index, or `undefined`. */
  get(scope: string, runId: string): Promise<TaskRun | undefined>;
  /**
   * Records how a RUNNING run ended; whether this call did (false: it had ended already, or
   * its record is gone).
   */
  finish(
    scope: string,
    runId: string,
    end: { readonly result: unknown } | { readonly error: ErrorRecord },
    at: string,
  ): Promise<boolean>;
}

/** Bulk import jobs: one record each, progress counted as chunks commit. */
export interface ImportStore {
  /** Creates a job; an existing id is never overwritten (that throws). */
  create(job: ImportJob): Promise<void>;
  /** A job, or `undefined`. */
  get(importId: string): Promise<ImportJob | undefined>;
  /** Records the plan's totals. */
  planned(importId: string, rows: number, chunks: number): Promise<void>;
  /** Adds the committed chunk that starts at row `first` (`rows` rows), once however often told. */
  chunkDone(importId: string, first: number, rows: number): Promise<void>;
  /** Ends a running job (a finished one is left as it is); the job as it ends. */
  finish(
    importId: string,
    status: "SUCCEEDED" | "FAILED",
    error: string | null,
    at: string,
  ): Promise<ImportJob | undefined>;
}

/** Starts the bulk-import workflow (Step Functions on AWS, the local runner otherwise). */
export interface ImportStarter {
  /** Starts the import workflow for a job. */
  start(input: ImportInput): Promise<void>;
}

/** Starts the autotune workflow (Step Functions on AWS, the local runner otherwise). */
export interface WorkflowStarter {
  /** Starts the autotune workflow for a job. */
  start(input: AutotuneInput): Promise<void>;
}
