import type { RowFormat, RowLayout } from "./vector-files";

/** Formats a bulk import reads from S3 (fixed-size rows, read by byte range). */
export const IMPORT_FORMATS = ["npy", "fvecs", "bvecs"] as const satisfies readonly RowFormat[];
/** A file format a bulk import reads (one of {@link IMPORT_FORMATS}). */
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Where an import job is: running, done, or failed with an error. */
export type ImportStatus = "RUNNING" | "SUCCEEDED" | "FAILED";

/** A bulk import job, as stored and as the API returns it. */
export interface ImportJob {
  readonly import_id: string;
  readonly index_name: string;
  /** The index incarnation it writes to: a re-created index is never written by an old import. */
  readonly index_uid: string;
  /** `s3://bucket/key` of the file. */
  readonly source: string;
  readonly format: ImportFormat;
  /** Row `r` gets id `${id_prefix}${r}` (default ""): running an import again upserts the same ids. */
  readonly id_prefix: string;
  readonly status: ImportStatus;
  readonly rows_total: number | null;
  readonly rows_done: number;
  readonly chunks_total: number | null;
  readonly chunks_done: number;
  readonly started_by: string;
  readonly started_at: string;
  /** When it last made progress (planned, or a chunk committed). */
  readonly updated_at: string;
  readonly finished_at: string | null;
  /** Why it failed. */
  readonly error: string | null;
}

/** The input of one import workflow execution. */
export interface ImportInput {
  readonly import_id: string;
  readonly index_name: string;
  /** The incarnation the import writes to (chunks never write to a re-created index). */
  readonly index_uid: string;
  readonly source_key: string;
  readonly format: ImportFormat;
  readonly id_prefix: string;
}

/** What Plan hands the Map: the file's layout, and the chunks of whole rows. */
export interface ImportPlan {
  readonly layout: RowLayout;
  readonly chunks: readonly { readonly from: number; readonly to: number }[];
}
