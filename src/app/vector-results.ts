import type { IndexRecord } from "../domain/index-record";

// What the vector store's use cases answer.

export interface SearchHit {
  readonly id: string;
  readonly distance: number;
  readonly metadata: Record<string, unknown> | null;
}

export interface StoredVector {
  readonly id: string;
  readonly values: number[];
  readonly metadata: Record<string, unknown> | null;
}

export interface DeleteResult {
  /** How many of the ids were live, and are deleted now. */
  readonly deleted: number;
  readonly count: number;
  readonly dataVersion: number;
  /** The index's catalog record after the write (or as read, when nothing was written). */
  readonly record: IndexRecord;
}

export interface WriteResult {
  readonly upserted: number;
  readonly count: number;
  readonly dataVersion: number;
  /** The index's catalog record after the write. */
  readonly record: IndexRecord;
}
