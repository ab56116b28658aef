import { sortedHashOrder } from "../domain/id-digest";
import type { IndexRecord } from "../domain/index-record";
import { decodeNamesIndex } from "../domain/name-list";
import { manifestBytes, type SegmentManifest, type SegmentRef } from "../domain/segment";
import type { Span } from "../domain/segment-directory";
import { BudgetedLoads } from "./budgeted-loads";
import { ByteBudget } from "./byte-budget";
import type { SegmentStore } from "./segment-store";

/**
 * The segment manifests (ids, metadata, deletions) a warm instance read to answer reads by id,
 * and, to list ids, the block indexes of the directory names it read and the hash order of the
 * manifests it listed from, one entry per segment (immutable while it lives), within the
 * instance's byte budget: past it, the ones used least recently are given up, and read (or
 * computed) again when next needed. A manifest is counted at twice its stored JSON (what its
 * objects take in memory, about), a hash order at 4 bytes per id.
 */
export class ManifestCache {
  /** Keyed `<index uid>/<segment id>` (so the budget's keys are `manifest/<uid>/<segment>`). */
  private readonly loads: BudgetedLoads<{ manifest: SegmentManifest; stored: number }>;
  /** Directories' block indexes of names (`null`: the segment has no directory), keyed alike. */
  private readonly namesIndexes: BudgetedLoads<Float64Array | null>;
  /** Manifests' ids in hash order (rows by digest position), keyed alike. */
  private readonly hashOrders: BudgetedLoads<Uint32Array>;

  /** @param budget shared with the instance's other caches (default: a budget of its own). */
  constructor(
    private readonly store: SegmentStore,
    budget: ByteBudget = new ByteBudget(),
  ) {
    this.loads = new BudgetedLoads(budget, "manifest", (_, kept) => 2 * kept.stored);
    this.namesIndexes = new BudgetedLoads(budget, "names", (_, kept) => kept?.byteLength ?? 0);
    this.hashOrders = new BudgetedLoads(budget, "order", (_, kept) => kept.byteLength);
  }

  /**
   * The rows of segment `ref`'s manifest ids in the order of their hashes (`sortedHashOrder`):
   * position `p` of its digest's upserted hashes is row `order[p]`. Kept, so a listing hashes a
   * segment's ids once per instance rather than once per page (every page of a large index
   * touches nearly every segment).
   */
  async hashOrder(record: IndexRecord, ref: SegmentRef): Promise<Uint32Array> {
    return this.hashOrders.get(`${record.uid}/${ref.id}`, "", async () =>
      sortedHashOrder((await this.get(record, ref)).ids),
    );
  }

  /**
   * The block index of segment `ref`'s directory names (at `span` of its directory; see
   * `namesLayout`): the kept one, or read (and kept). `null` when the segment has no directory.
   */
  async namesIndex(record: IndexRecord, ref: SegmentRef, span: Span): Promise<Float64Array | null> {
    return this.namesIndexes.get(`${record.uid}/${ref.id}`, "", async () => {
      const bytes = await this.store.readDirectoryBytes(record, ref, span);
      return bytes ? decodeNamesIndex(bytes) : null;
    });
  }

  /** The manifest of segment `ref` of `record`: the kept one, or read (and kept). */
  async get(record: IndexRecord, ref: SegmentRef): Promise<SegmentManifest> {
    const kept = await this.loads.get(`${record.uid}/${ref.id}`, "", async () => ({
      manifest: await this.store.readManifest(record, ref),
      stored: manifestBytes(ref, record.dimension),
    }));
    return kept.manifest;
  }

  /**
   * Whether segment `ref` is best read through its directory: it has one (by its size) and its
   * manifest is not kept here (a kept manifest answers without reading storage).
   */
  viaDirectory(record: IndexRecord, ref: SegmentRef): boolean {
    return (
      this.store.hasDirectory(record, ref) &&
      this.loads.peek(`${record.uid}/${ref.id}`, "") === undefined
    );
  }

  /** Bytes the kept manifests are counted at (for tests and metrics). */
  keptBytes(): number {
    return this.loads.keptBytes();
  }
}
