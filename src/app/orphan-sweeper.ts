import { indexRoot } from "../../infra/storage";
import { generationKeysOf, type IndexRecord } from "../domain/index-record";
import { logger } from "../logger";
import type { BlobStore, IndexCatalog } from "./ports";
import { segmentKeys } from "./segment-store";

/** How old an unreferenced object must be before it is swept (default one hour). */
export const DEFAULT_ORPHAN_GRACE_MS = 60 * 60_000;

/**
 * Removes the objects of an index incarnation that nothing references: segments a write put in
 * S3 but never committed (it crashed, or its catalog write failed ambiguously), merged segments
 * a compaction never swapped in, segments it swapped out but did not get to delete, segment
 * lists a fold replaced (a read that finds one gone re-reads the catalog item), and
 * generations an activation or a catch-up wrote but never flipped to. An object is swept only
 * when the catalog, read after listing, does not reference it and it is older than the grace
 * period, so work in flight (which references its objects within seconds) is never touched.
 * Runs inside the compaction task; the scheduled handler starts that task for every index once
 * an hour.
 */
export class OrphanSweeper {
  private readonly graceMs: number;
  private readonly now: () => number;

  constructor(
    private readonly deps: {
      readonly catalog: IndexCatalog;
      readonly blobs: BlobStore;
      readonly graceMs?: number;
      readonly now?: () => number;
    },
  ) {
    this.graceMs = deps.graceMs ?? DEFAULT_ORPHAN_GRACE_MS;
    this.now = deps.now ?? Date.now;
  }

  /** Sweeps one index; how many objects it removed. */
  async sweep(indexName: string): Promise<number> {
    const first = await this.deps.catalog.get(indexName);
    if (!first) return 0;
    // List first, then read the catalog: anything referenced by then is kept.
    const listed = await this.deps.blobs.list(indexRoot(first));
    const record = await this.deps.catalog.get(indexName);
    if (!record || record.uid !== first.uid) return 0;
    const kept = referenced(record);
    const cutoff = this.now() - this.graceMs;
    const orphans = listed
      .filter((o) => !kept.has(o.key) && o.lastModified.getTime() <= cutoff)
      .map((o) => o.key);
    if (orphans.length > 0) {
      await this.deps.blobs.deleteKeys(orphans);
      logger.info("swept orphaned objects", { index_name: indexName, count: orphans.length });
    }
    return orphans.length;
  }
}

/**
 * Every key the catalog record references: its segment list, its segments, and its active and
 * previous graphs (with the whole graphs their patches apply to), and its id directory.
 */
function referenced(record: IndexRecord): Set<string> {
  const keys = new Set<string>();
  if (record.segmentList) keys.add(record.segmentList.key);
  for (const ref of record.segments) {
    const k = segmentKeys(record, ref.id);
    keys.add(k.values).add(k.manifest).add(k.digest).add(k.directory);
  }
  if (record.active) for (const key of generationKeysOf(record.active)) keys.add(key);
  if (record.idDirectory) keys.add(record.idDirectory.key);
  return keys;
}
