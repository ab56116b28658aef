import type { RowFormat, RowLayout } from "./vector-files";

/** Formats a bulk import reads from S3 (fixed-size rows, read by byte range). */
export const IMPORT_FORMATS = ["npy", "fvecs", "bvecs"] as const satisfies readonly RowFormat[];
/** A file format a bulk import reads (one of {@link IMPORT_FORMATS}). */
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Where an import job is: running, done, or failed with an error. */
export type ImportStatus = "RUNNING" | "SUCCEEDED" | "FAILED";

/** A bulk import job, as stored and as the API returns it. */
export interface ImportJob {
  /** The job's id (a ULID). */
  readonly import_id: string;
  /** The index it writes to. */
  readonly index_name: string;
  /** The index incarnation it writes to: a re-created index is never written by an old import. */
  readonly index_uid: string;
  /** `s3://bucket/key` of the file. */
  readonly source: string;
  /** The file's format. */
  readonly format: ImportFormat;
  /** Row `r` gets id `${id_prefix}${r}` (default ""): running an import again upserts the same ids. */
  readonly id_prefix: string;
  /** Running, or how it ended. */
  readonly status: ImportStatus;
  /** Rows in the file, once planned (`null` before). */
  readonly rows_total: number | null;
  /** Rows committed so far. */
  readonly rows_done: number;
  /** Chunks planned (`null` before planning). */
  readonly chunks_total: number | null;
  /** Chunks committed so far, each one segment. */
  readonly chunks_done: number;
  /** The caller's IAM identity. */
  readonly started_by: string;
  /** When it started (ISO 8601). */
  readonly started_at: string;
  /** When it last made progress (planned, or a chunk committed). */
  readonly updated_at: string;
  /** When it ended (ISO 8601), or `null` while it runs. */
  readonly finished_at: string | null;
  /** Why it failed. */
  readonly error: string | null;
}

/** The input of one import workflow execution. */
export interface ImportInput {
  /** The job's id. */
  readonly import_id: string;
  /** The index it writes to. */
  readonly index_name: string;
  /** The incarnation the import writes to (chunks never write to a re-created index). */
  readonly index_uid: string;
  /** The file's key in the service's bucket (under `uploads/`). */
  readonly source_key: string;
  /** The file's format. */
  readonly format: ImportFormat;
  /** See {@link ImportJob.id_prefix}. */
  readonly id_prefix: string;
}

/** What Plan hands the Map: the file's layout, and the chunks of whole rows. */
export interface ImportPlan {
  /** Where the file's rows are. */
  readonly layout: RowLayout;
  /** Row ranges `[from, to)`, each imported and committed as one segment. */
  readonly chunks: readonly { readonly from: number; readonly to: number }[];
}
