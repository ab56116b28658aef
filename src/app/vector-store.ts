import pLimit from "p-limit";
import { indexGone, indexNotFound, vectorNotFound } from "../domain/errors";
import type { IndexRecord, IndexSettings } from "../domain/index-record";
import { assembleIndex, type LoadedIndex, loadedBytes } from "../domain/loaded-index";
import type { Segment } from "../domain/segment";
import { checkImportedRows, packBatch, type VectorInput } from "../domain/vector-batch";
import { recordWrite } from "../telemetry";
import { BudgetedLoads } from "./budgeted-loads";
import { ByteBudget } from "./byte-budget";
import { readFresh } from "./fresh-reads";
import { type CreatedIndex, createIndex } from "./index-creation";
import type { LiveState, LiveView } from "./live-state";
import { ManifestCache } from "./manifest-cache";
import type { IndexCatalog, Page } from "./ports";
import { DEFAULT_RETRY, type RetryPolicy } from "./retry";
import { type BackgroundStarts, SegmentCommits } from "./segment-commits";
import type { SegmentStore } from "./segment-store";
import { listIds, nextPageToken, pageAfter } from "./vector-listing";
import { loadedVector, readVectors, UNSURE } from "./vector-read";
import type { DeleteResult, StoredVector, WriteResult } from "./vector-results";

/** The ports {@link VectorStore} is built from (see `createServices`). */
export interface VectorStoreDeps {
  readonly catalog: IndexCatalog;
  readonly segments: SegmentStore;
  readonly live: LiveState;
  /** Where background tasks start (off the request), and which ones a write leaves due. */
  readonly background: BackgroundStarts;
  readonly retry?: RetryPolicy;
  readonly now?: () => Date;
  /** The budget loaded vectors share with the instance's other caches (default: their own). */
  readonly budget?: ByteBudget;
}

/** How many segment blobs one load reads at once. */
const LOAD_CONCURRENCY = 16;

/**
 * The vector store use cases: index lifecycle, upserts and deletes as append-only segments with
 * an optimistic catalog swap ({@link SegmentCommits}), and reading the live vectors of an index
 * version (for exact search, builds and catch-ups).
 *
 * A warm instance keeps the id digests of the segments it has seen (writers) and the loaded
 * vectors of an index version (readers), keyed by the index incarnation, so a write elsewhere is
 * noticed on the next catalog read. Writes never compact nor build: a write that leaves a
 * compaction or a catch-up due starts it as a task of its own.
 */
export class VectorStore {
  private readonly catalog: IndexCatalog;
  private readonly segments: SegmentStore;
  private readonly live: LiveState;
  private readonly now: () => Date;
  private readonly commits: SegmentCommits;
  /** The loaded vectors of each index's version last asked for (see {@link loadedBytes}). */
  private readonly loaded: BudgetedLoads<LoadedIndex>;
  /** Segment manifests read to answer reads by id (within the same budget). */
  private readonly manifests: ManifestCache;

  constructor(deps: VectorStoreDeps) {
    this.catalog = deps.catalog;
    this.segments = deps.segments;
    this.live = deps.live;
    this.now = deps.now ?? (() => new Date());
    const budget = deps.budget ?? new ByteBudget();
    this.loaded = new BudgetedLoads(budget, "vectors", (_, loaded) => loadedBytes(loaded));
    this.manifests = new ManifestCache(deps.segments, budget);
    this.commits = new SegmentCommits({
      catalog: deps.catalog,
      segments: deps.segments,
      liveView: (record, ids) => this.liveView(record, ids),
      background: deps.background,
      retry: deps.retry ?? DEFAULT_RETRY,
      now: this.now,
    });
  }

  /** Creates an index; an existing one with the same settings is returned as it is. */
  createIndex(name: string, settings: IndexSettings): Promise<CreatedIndex> {
    return createIndex(this.catalog, this.now(), name, settings);
  }

  /** A page of at most `limit` indexes, sorted by name within it; `cursor` from the last page. */
  listIndexes(limit: number, cursor?: string): Promise<Page<IndexRecord>> {
    return this.catalog.list(limit, cursor);
  }

  /** The index's catalog record, or `undefined` when there is no such index. */
  findIndex(name: string): Promise<IndexRecord | undefined> {
    return this.catalog.get(name);
  }

  /** Index `name`'s record; `index_not_found` when there is none. */
  async getIndex(name: string): Promise<IndexRecord> {
    const record = await this.catalog.get(name);
    if (!record) throw indexNotFound(name);
    return record;
  }

  /**
   * Deletes the index's catalog record (from then on the incarnation is gone), then every object
   * under its incarnation's prefixes. Returns the removed record.
   */
  async deleteIndex(name: string): Promise<IndexRecord> {
    const removed = await this.catalog.remove(name);
    if (!removed) throw indexNotFound(name);
    this.live.forget(removed.uid);
    this.loaded.forget(removed.uid);
    return removed;
  }

  /** Upserts a batch; rejected batches write nothing. */
  async upsert(name: string, vectors: readonly VectorInput[]): Promise<WriteResult> {
    const started = performance.now();
    const record = await this.getIndex(name);
    const values = packBatch(vectors, record.dimension, record.metric);
    const segment: Segment = {
      ids: vectors.map((v) => v.id),
      metadata: vectors.map((v) => v.metadata ?? null),
      deleted: [],
      values,
    };
    const written = await this.appendRows(record, segment);
    recordWrite(performance.now() - started);
    return written;
  }

  /**
   * Upserts rows a bulk import decoded (no metadata) as one segment, whole or not at all, into
   * incarnation `uid` only (a re-created index is never written by an old import). `firstRow`
   * and `file` (the import's file name) name rows in errors.
   */
  async importRows(
    name: string,
    uid: string,
    ids: readonly string[],
    values: Float32Array,
    firstRow: number,
    file?: string,
  ): Promise<WriteResult> {
    const record = await this.getIndex(name);
    if (record.uid !== uid) throw indexGone(name, true);
    checkImportedRows(
      values.subarray(0, ids.length * record.dimension),
      record.dimension,
      record.metric,
      firstRow,
      file,
    );
    const segment: Segment = { ids, metadata: ids.map(() => null), deleted: [], values };
    return this.appendRows(record, segment);
  }

  /** Commits a segment of upserted rows; the live count grows by the ids not live before. */
  private async appendRows(record: IndexRecord, segment: Segment): Promise<WriteResult> {
    const updated = await this.commits.commit(record, segment, (live) => {
      let count = live.count;
      for (const id of segment.ids) if (!live.isLive(id)) count++;
      return count;
    });
    return {
      upserted: segment.ids.length,
      count: updated.count,
      dataVersion: updated.dataVersion,
      record: updated,
    };
  }

  /** One live vector (see {@link getVectors}); 404 `vector_not_found` when it is not live. */
  async getVector(name: string, id: string): Promise<StoredVector> {
    const [found] = await this.getVectors(name, [id]);
    if (!found) throw vectorNotFound(name, id);
    return found;
  }

  /**
   * Live vectors by id, in the order asked (`undefined` for an id not live): from the vectors this
   * instance holds for the index's version, else each read alone (the id digests name the segment
   * that last wrote it: its manifest, and its row by a ranged read), never by loading the index.
   */
  async getVectors(name: string, ids: readonly string[]): Promise<(StoredVector | undefined)[]> {
    const record = await this.getIndex(name);
    // A load in flight that fails leaves the reads alone to answer.
    const held = await this.loaded.peek(record.uid, String(record.dataVersion))?.catch(() => null);
    if (held) return ids.map((id) => loadedVector(held, id));
    return this.readFresh(record, async (r) => {
      const read = await readVectors(this.live, this.segments, this.manifests, r, ids);
      if (read !== UNSURE) return read;
      const index = await this.load(r);
      return ids.map((id) => loadedVector(index, id));
    });
  }

  /**
   * A page of the index's live ids (1..1000), in the order of their hashes (stable across
   * compactions and writes: an id live throughout a listing is listed once), and the token of the
   * next page; see {@link listIds}. Each page reads the catalog afresh.
   */
  async listVectorIds(name: string, limit: number, token?: string): Promise<Page<string>> {
    const after = pageAfter(token);
    const record = await this.getIndex(name);
    const page = await this.readFresh(record, (r) =>
      listIds(this.live, this.segments, this.manifests, r, after, limit),
    );
    return { items: page.ids, next: nextPageToken(page) };
  }

  /** Deletes one vector; 404 `vector_not_found` when it is not live. */
  async deleteVector(name: string, id: string): Promise<DeleteResult> {
    return this.deleteVectors(name, [id], { missing: "refuse" });
  }

  /**
   * Deletes the live vectors among `ids` (unique) as one segment, one catalog write. Ids not
   * live are left alone (`missing: "ignore"`, the default: a retried batch deletes nothing more)
   * or refused with 404 (`"refuse"`). When none is live, nothing is written.
   */
  async deleteVectors(
    name: string,
    ids: readonly string[],
    { missing = "ignore" }: { missing?: "ignore" | "refuse" } = {},
  ): Promise<DeleteResult> {
    const started = performance.now();
    const record = await this.getIndex(name);
    const isLive = (await this.liveView(record, ids)).isLive;
    const doomed = ids.filter((id) => {
      if (isLive(id)) return true;
      if (missing === "refuse") throw vectorNotFound(name, id);
      return false;
    });
    if (doomed.length === 0) {
      return { deleted: 0, count: record.count, dataVersion: record.dataVersion, record };
    }
    const segment: Segment = { ids: [], metadata: [], deleted: doomed, values: new Float32Array() };
    // Counted against what is live when the write lands (a concurrent delete may have come first).
    let deleted = 0;
    const updated = await this.commits.commit(record, segment, (live) => {
      deleted = doomed.filter((id) => live.isLive(id)).length;
      if (missing === "refuse" && deleted < doomed.length) {
        throw vectorNotFound(name, doomed.find((id) => !live.isLive(id)) as string);
      }
      return live.count - deleted;
    });
    recordWrite(performance.now() - started);
    return { deleted, count: updated.count, dataVersion: updated.dataVersion, record: updated };
  }

  /**
   * The live vectors of `record`'s version, loaded once per warm instance and version while
   * kept (within the instance's budget across indexes); concurrent callers share one load.
   */
  load(record: IndexRecord): Promise<LoadedIndex> {
    return this.loaded.get(record.uid, String(record.dataVersion), () =>
      this.readFresh(record, async (r) => {
        const limit = pLimit(LOAD_CONCURRENCY);
        const segments = await Promise.all(
          r.segments.map((ref) => limit(() => this.segments.read(r, ref))),
        );
        return assembleIndex(segments, r.dimension, r.metric);
      }),
    );
  }

  /** What is live in `record`'s version for a writer of `ids` (see `LiveState.view`). */
  private liveView(record: IndexRecord, ids: readonly string[]): Promise<LiveView> {
    return this.readFresh(record, (r) => this.live.view(r, ids));
  }

  /** `read` on `record`, again on a fresh record if a compaction removed a segment it names. */
  readFresh<T>(record: IndexRecord, read: (r: IndexRecord) => Promise<T>): Promise<T> {
    return readFresh(this.catalog, record, read);
  }
}
