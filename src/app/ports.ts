import type { Policy, PolicySettings } from "../domain/autotune-policy";
import type {
  ActiveGeneration,
  IdDirectoryRef,
  IndexHead,
  IndexRecord,
} from "../domain/index-record";
import type { MaintenanceSettings } from "../domain/maintenance";
import type { Profile } from "../domain/profile";
import type { PromotionRecord } from "../domain/promotion";
import type { SegmentRef } from "../domain/segment";
import type { Trial } from "../domain/trial";

// Ports for stored data: blobs, the index catalog, the trial journal, promotions, profiles and
// autotune policies. Ports for work (jobs, leases, task runs, imports, starters): ./work-ports.ts.

/** Bytes `[start, end)` of a blob: from its first byte, or to its last, when either is omitted. */
export interface ByteRange {
  /** First byte (default 0). */
  readonly start?: number;
  /** One past the last byte (default: the object's end). */
  readonly end?: number;
}

/**
 * Object storage for immutable blobs (segments, snapshots, journals). Implemented on S3.
 * Never relies on conditional object writes: every pointer to a blob lives in the catalog.
 */
export interface BlobStore {
  /** Writes a blob; durable when the promise resolves. */
  put(key: string, body: Uint8Array | string, contentType: string): Promise<void>;
  /**
   * Writes a local file as a blob, streamed (large files go up in parts): graphs can be larger
   * than what a function should hold twice in memory. Durable when the promise resolves.
   */
  putFile(key: string, path: string, contentType: string): Promise<void>;
  /**
   * Writes a blob of exactly `bytes` bytes from `body` as it is produced (large ones go up in
   * parts). Durable when the promise resolves.
   */
  putStream(
    key: string,
    body: AsyncIterable<Uint8Array>,
    bytes: number,
    contentType: string,
  ): Promise<void>;
  /** Reads a blob, or `undefined` when there is none at `key`. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Streams a blob into a local file; `false` when there is none at `key`. */
  getToFile(key: string, path: string): Promise<boolean>;
  /**
   * A blob's bytes as they arrive (only bytes `[start, end)`, when given), or `undefined` when
   * there is none at `key`. The caller reads it to the end or calls `return()` on its iterator
   * (a `break` does), so the download stops.
   */
  getStream(key: string, range?: ByteRange): Promise<AsyncIterable<Uint8Array> | undefined>;
  /**
   * Copies a blob inside the store (server-side, no download); `false` when there is nothing at
   * `from`.
   */
  copy(from: string, to: string): Promise<boolean>;
  /** Deletes the given keys (missing keys are not an error). */
  deleteKeys(keys: readonly string[]): Promise<void>;
  /** Deletes every blob whose key starts with `prefix`; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /** Every blob whose key starts with `prefix`, with when it was last written. */
  list(prefix: string): Promise<{ key: string; lastModified: Date }[]>;
  /**
   * The names of the "folders" right under `prefix` (which ends in `/`): each distinct key part
   * between `prefix` and the next `/`, sorted; only those after `page.after`, and at most
   * `page.limit` of them, when given.
   */
  listChildren(prefix: string, page?: { after?: string; limit?: number }): Promise<string[]>;
  /** The size of a blob in bytes, or `undefined` when there is none at `key`. */
  size(key: string): Promise<number | undefined>;
  /**
   * Bytes `[start, end)` of a blob (a ranged read; fewer past its end, none from it on), or
   * `undefined` when there is none.
   */
  getRange(key: string, start: number, end: number): Promise<Uint8Array | undefined>;
  /** A URL that lets its holder PUT one object at `key` for `seconds`, with no credentials. */
  signedPutUrl(key: string, seconds: number): Promise<string>;
}

/**
 * Raised when an index's segments would not fit in its catalog item any more (DynamoDB caps an
 * item at 400 KB): an unfold of an index too large to keep every segment in the item.
 */
export class CatalogItemTooLargeError extends Error {
  override readonly name = "CatalogItemTooLargeError";
}

/** Result of a conditional catalog write that lost a race to another writer. */
export const LOST_RACE = Symbol("lost-race");

/** The index catalog: one record per index, changed only through conditional writes. */
export interface IndexCatalog {
  /** The index's record (strongly consistent), or `undefined`. */
  get(name: string): Promise<IndexRecord | undefined>;
  /**
   * What a search checks on every request (a strongly consistent read of a small projection):
   * the incarnation, the data version, the live count and the active generation. A warm search
   * function reuses its full record while these match it.
   */
  getHead(name: string): Promise<IndexHead | undefined>;
  /**
   * A page of at most `limit` indexes (sorted by name within the page), strongly consistent;
   * `cursor` comes from the previous page. The catalog is read a page at a time, never whole.
   */
  list(limit: number, cursor?: string): Promise<Page<IndexRecord>>;
  /** Creates the record unless an index of that name exists; `false` when it does. */
  create(record: IndexRecord): Promise<boolean>;
  /**
   * Appends a segment and sets the new live count, only if the index is still the incarnation
   * `uid` at `dataVersion`; bumps `dataVersion` by one. {@link LOST_RACE} when either moved.
   */
  appendSegment(
    current: IndexRecord,
    segment: SegmentRef,
    count: number,
    now: string,
  ): Promise<IndexRecord | typeof LOST_RACE>;
  /**
   * Replaces the segments at positions `[start, end)` with `merged` (or with nothing): a
   * compaction, so the data and `dataVersion` stay the same. Only if the incarnation and the
   * replaced segments are as in `current` (another compaction or a fold since makes it lose;
   * writes that appended meanwhile do not, and stay after the run).
   */
  replaceRun(
    current: IndexRecord,
    start: number,
    end: number,
    merged: SegmentRef | null,
  ): Promise<IndexRecord | typeof LOST_RACE>;
  /**
   * Moves the first `count` (1 to `FOLD_BATCH`) segments the catalog keeps in the index's own
   * record, after those `current.segmentList` holds, into a new immutable list: the record every
   * write rewrites stays small. Data, order and `dataVersion` stay the same. Only if the
   * incarnation, the list and those segments are as in `current` (appends do not make it lose).
   */
  fold(current: IndexRecord, count: number): Promise<IndexRecord | typeof LOST_RACE>;
  /**
   * Moves every listed segment back into the index's own record, as before its first fold (for
   * rolling back to code from before folds); `current` itself when nothing is listed. Data,
   * order and `dataVersion` stay the same. Only if the incarnation and the list are as in
   * `current` (appends do not make it lose). Throws {@link CatalogItemTooLargeError} when the
   * record could not hold them, after marking the list (`SegmentListRef.unfoldRefusedAt`).
   */
  unfold(current: IndexRecord): Promise<IndexRecord | typeof LOST_RACE>;
  /** Removes the record; returns what it was, or `undefined` when there was none. */
  remove(name: string): Promise<IndexRecord | undefined>;
  /**
   * Points the index at a new active generation, only if it is still incarnation `current.uid`
   * and its active generation is still `current.active` (none, or the same generation number).
   * The caller refuses a generation built from older data than the active one.
   */
  setActive(
    current: IndexRecord,
    active: ActiveGeneration,
  ): Promise<IndexRecord | typeof LOST_RACE>;
  /**
   * Points the index at a new id directory (see `IdDirectoryRef`), or at none (`null`), only if
   * it is still incarnation `current.uid` and still names the directory `current.idDirectory` (or
   * none).
   */
  setIdDirectory(
    current: IndexRecord,
    directory: IdDirectoryRef | null,
  ): Promise<IndexRecord | typeof LOST_RACE>;
  /** Sets the index's maintenance settings, only if it is still incarnation `current.uid`. */
  setMaintenance(
    current: IndexRecord,
    maintenance: Partial<MaintenanceSettings>,
  ): Promise<IndexRecord | typeof LOST_RACE>;
}

/** One page of a listing, with an opaque cursor to the next page (none after the last). */
export interface Page<T> {
  /** The page's items. */
  readonly items: T[];
  /** Where the next page starts; absent after the last page. */
  readonly next?: string | undefined;
}

/** The trial journal: append-only, one partition per index, newest first. */
export interface TrialJournal {
  /** Appends a trial; an existing trial id is never overwritten (that throws). */
  append(trial: Trial): Promise<void>;
  /** One trial of an index, or `undefined`. */
  get(indexName: string, trialId: string): Promise<Trial | undefined>;
  /** A page of an index's trials, newest first. `cursor` comes from a previous page. */
  list(indexName: string, limit: number, cursor?: string): Promise<Page<Trial>>;
  /** Every trial of an index, newest first. */
  all(indexName: string): AsyncIterable<Trial>;
}

/** The promotion registry: one record per index, swapped whole with a conditional write. */
export interface PromotionRegistry {
  /** The index's registry record, or `undefined` when it has none. */
  get(indexName: string): Promise<PromotionRecord | undefined>;
  /**
   * Writes `next` only if the stored record still has version `expectedVersion` (`0`: there is no
   * record yet). {@link LOST_RACE} when another writer got there first.
   */
  put(next: PromotionRecord, expectedVersion: number): Promise<true | typeof LOST_RACE>;
  /** Removes an index's record (missing is not an error). */
  remove(indexName: string): Promise<void>;
}

/** Named search profiles: a set of indexes and their default HNSW config. */
export interface ProfileRepository {
  /** A profile, or `undefined`. */
  get(id: string): Promise<Profile | undefined>;
  /** Creates or replaces a profile. */
  put(profile: Profile): Promise<void>;
  /** Deletes a profile; `false` when there was none. */
  delete(id: string): Promise<boolean>;
}

/** Autotune policies, one per index. */
export interface PolicyStore {
  /** The index's policy, or `undefined`. */
  get(indexName: string): Promise<Policy | undefined>;
  /**
   * Sets a policy's settings in one write, keeping its start bookkeeping (a start recorded
   * concurrently is never lost); a new policy counts appends from `vectorsWritten`.
   */
  put(settings: PolicySettings, now: string, vectorsWritten: number): Promise<Policy>;
  /** `false` when there was none. */
  delete(indexName: string): Promise<boolean>;
  /** Every policy (what the schedule checks). */
  list(): Promise<Policy[]>;
  /** Notes an autotune start on the index's policy, if it has one. */
  recordStart(indexName: string, jobId: string, at: string, vectorsWritten: number): Promise<void>;
}
