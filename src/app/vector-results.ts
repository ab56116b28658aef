import type { IndexRecord } from "../domain/index-record";

// What the vector store's use cases answer.

/**
 * One search result: a live id, its distance to the query under the index's metric, and its current
 * metadata.
 */
export interface SearchHit {
  /** The vector's id. */
  readonly id: string;
  /** Its distance to the query under the index's metric. */
  readonly distance: number;
  /** Its current metadata (`null`: none). */
  readonly metadata: Record<string, unknown> | null;
}

/** One live vector as read by id: its values and metadata. */
export interface StoredVector {
  /** The vector's id. */
  readonly id: string;
  /** Its values, as written (as float32). */
  readonly values: number[];
  /** Its metadata (`null`: none). */
  readonly metadata: Record<string, unknown> | null;
}

/**
 * What a delete answers once it is durable: how many ids it deleted, the live count and the data
 * version after it.
 */
export interface DeleteResult {
  /** How many of the ids were live, and are deleted now. */
  readonly deleted: number;
  /** Live ids after the write. */
  readonly count: number;
  /** The index's data version after the write. */
  readonly dataVersion: number;
  /** The index's catalog record after the write (or as read, when nothing was written). */
  readonly record: IndexRecord;
}

/**
 * What an upsert answers once it is durable: how many vectors it wrote, the live count and the data
 * version after it.
 */
export interface WriteResult {
  /** Vectors written. */
  readonly upserted: number;
  /** Live ids after the write. */
  readonly count: number;
  /** The index's data version after the write. */
  readonly dataVersion: number;
  /** The index's catalog record after the write. */
  readonly record: IndexRecord;
}
