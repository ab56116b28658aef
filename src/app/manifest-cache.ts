import type { IndexRecord } from "../domain/index-record";
import type { SegmentManifest, SegmentRef } from "../domain/segment";
import { ByteBudget } from "./byte-budget";
import type { SegmentStore } from "./segment-store";

/**
 * The segment manifests (ids, metadata, deletions) a warm instance read to answer reads by id,
 * one entry per segment (immutable while it lives), within the instance's byte budget: past it,
 * the ones used least recently are given up, and read again when next needed. A manifest is
 * counted at twice its stored JSON (what its objects take in memory, about).
 */
export class ManifestCache {
  private readonly manifests = new Map<string, Promise<SegmentManifest>>();

  /** @param budget shared with the instance's other caches (default: a budget of its own). */
  constructor(
    private readonly store: SegmentStore,
    private readonly budget: ByteBudget = new ByteBudget(),
  ) {}

  /** The manifest of segment `ref` of `record`: the kept one, or read (and kept). */
  get(record: IndexRecord, ref: SegmentRef): Promise<SegmentManifest> {
    // Keys are `<cache>/<index uid>/<segment id>`.
    const key = `manifest/${record.uid}/${ref.id}`;
    this.budget.use(key);
    const kept = this.manifests.get(key);
    if (kept) return kept;
    const read = this.store.readManifest(record, ref);
    this.manifests.set(key, read);
    const stored = Math.max(0, ref.bytes - ref.vectors * 4 * record.dimension);
    read.then(
      () => {
        if (this.manifests.get(key) !== read) return;
        this.budget.hold(key, 2 * stored, () => this.manifests.delete(key));
      },
      () => {
        if (this.manifests.get(key) === read) this.manifests.delete(key);
        this.budget.forget(key);
      },
    );
    return read;
  }

  /** Bytes the kept manifests are counted at (for tests and metrics). */
  keptBytes(): number {
    return this.budget.bytes("manifest/");
  }
}
