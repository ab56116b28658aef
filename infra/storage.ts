/**
 * The bucket's key layout, defined once: the code builds every object key with these functions,
 * and the CDK stack derives each function's S3 grants from the same areas' IAM patterns, so a key
 * and the permission to touch it can never drift apart (a unit test checks every builder against
 * its area's pattern). Plain data: no CDK imports, so Lambda bundles can read it too.
 */

/** A part of the bucket that a function may be granted access to. */
export interface StorageArea {
  /** IAM resource pattern of its keys (after `arn:aws:s3:::<bucket>/`). */
  readonly pattern: string;
  /** Key prefix a function lists under (`s3:prefix` condition of ListBucket). */
  readonly listPrefix: string;
}

/**
 * The areas of the service's bucket, each with the IAM pattern of its keys (granted to the
 * functions that name it) and the prefix its listings start from.
 */
export const STORAGE_AREAS = {
  /** Immutable segments of every index: the vectors themselves. */
  segments: { pattern: "indexes/*/segments/*", listPrefix: "indexes/" },
  /**
   * The older part of each index's segment list, in immutable objects the catalog item points
   * to (see `segmentListKey`): the item itself stays small whatever the index's size.
   */
  catalog: { pattern: "indexes/*/catalog/*", listPrefix: "indexes/" },
  /** Activated HNSW graphs (generations) with their label maps. */
  generations: { pattern: "indexes/*/generations/*", listPrefix: "indexes/" },
  /** Graphs built by trials, kept so a promotion can serve them; they expire. */
  snapshots: { pattern: "_hnsw_snapshots/*", listPrefix: "_hnsw_snapshots/" },
  /** Harnesses: query sets with exact ground truth. */
  evals: { pattern: "_hnsw_evals/*", listPrefix: "_hnsw_evals/" },
  /** Files uploaded for bulk import (through presigned URLs); they expire. */
  uploads: { pattern: "uploads/*", listPrefix: "uploads/" },
  /** What a request hands its task when it is too big for the run's record; they expire. */
  staged: { pattern: "_hnsw_staged/*", listPrefix: "_hnsw_staged/" },
} as const satisfies Record<string, StorageArea>;

/** The name of an area of the bucket (a key of {@link STORAGE_AREAS}). */
export type StorageAreaName = keyof typeof STORAGE_AREAS;

/** Where uploads for bulk import go; the CDK stack expires objects under it. */
export const UPLOADS_PREFIX = "uploads/";

/** The key of one upload. */
export function uploadKey(uploadId: string, format: string): string {
  return `${UPLOADS_PREFIX}${uploadId}.${format}`;
}

/** Where requests stage their tasks' input; the CDK stack expires objects under it. */
export const STAGED_PREFIX = "_hnsw_staged/";

/** The key of one staged input for a task on index `indexName`. */
export function stagedKey(indexName: string, stagedId: string): string {
  return `${STAGED_PREFIX}${indexName}/${stagedId}.json`;
}

/** Where trial graphs live; the CDK stack expires objects under it. */
export const SNAPSHOTS_PREFIX = "_hnsw_snapshots/";

/** An index incarnation, as keys name it. */
export interface IndexRef {
  /** The index's name. */
  readonly name: string;
  /** Its incarnation. */
  readonly uid: string;
}

/** Where every index's segments and generations live. */
export const INDEXES_PREFIX = "indexes/";

/** Every key of an index incarnation starts with this (segments, segment lists, generations). */
export function indexRoot(index: IndexRef): string {
  return `${INDEXES_PREFIX}${index.name}/${index.uid}/`;
}

/**
 * The prefixes under which the objects of every incarnation of index `name` live, each followed
 * by the incarnation's uid: its segments and generations, and its trial graphs.
 */
export function incarnationParents(name: string): string[] {
  return [`${INDEXES_PREFIX}${name}/`, `${SNAPSHOTS_PREFIX}${name}/`];
}

/** Stem of a segment's objects (`.json` manifest, `.f32` values). */
export function segmentStem(index: IndexRef, segmentId: string): string {
  return `${indexRoot(index)}segments/${segmentId}`;
}

/** An immutable object holding the oldest segments of an index's list (JSON). */
export function segmentListKey(index: IndexRef, listId: string): string {
  return `${indexRoot(index)}catalog/${listId}.json`;
}

/** Stem of a generation's objects (the graph and its label map). */
export function generationStem(index: IndexRef, generationId: string): string {
  return `${indexRoot(index)}generations/${generationId}`;
}

/** Every trial graph of an index incarnation starts with this. */
export function snapshotRoot(index: IndexRef): string {
  return `${SNAPSHOTS_PREFIX}${index.name}/${index.uid}/`;
}

/** Stem of one trial graph's objects (the graph and its label map). */
export function snapshotStem(index: IndexRef, snapshotId: string): string {
  return `${snapshotRoot(index)}${snapshotId}`;
}

/** Every object of a harness starts with this. */
export function evalRoot(harness: string): string {
  return `_hnsw_evals/${harness}/`;
}
