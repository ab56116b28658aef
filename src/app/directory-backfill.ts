import { logger } from "../logger";
import type { IndexCatalog } from "./ports";
import { MissingSegmentError, type SegmentStore } from "./segment-store";

/**
 * Gives the large segments written before directories existed their directory, so reads by id
 * and id listings of them stop reading their whole manifest. Segments that merge again get one
 * anyway; full segments (64 MiB) never merge again, so without this they would keep their
 * manifest-only reads for good. Runs inside the compaction task, after the orphan sweep (hourly
 * for every index, and after merges): for each large segment not yet settled on this instance, a
 * one-byte read of its directory, and when it has none, one manifest read and one directory
 * write, while `hasTime()`.
 */
export class DirectoryBackfill {
  /**
   * Segments settled on this instance: their directory exists, or their manifest is not in the
   * written form (see `addDirectory`) and is not tried again. A run whose large segments are all
   * settled reads nothing.
   */
  private readonly settled = new Set<string>();

  constructor(
    private readonly deps: {
      readonly catalog: IndexCatalog;
      readonly segments: SegmentStore;
    },
  ) {}

  /** Backfills index `indexName`; how many directories it wrote. */
  async run(indexName: string, hasTime: () => boolean = () => true): Promise<number> {
    const record = await this.deps.catalog.get(indexName);
    if (!record) return 0;
    const due = record.segments.filter(
      (ref) => this.deps.segments.hasDirectory(record, ref) && !this.settled.has(ref.id),
    );
    if (due.length === 0) return 0;
    let written = 0;
    for (const ref of due) {
      if (!hasTime()) break;
      const probe = { start: 0, end: 1 };
      if (await this.deps.segments.readDirectoryBytes(record, ref, probe)) {
        this.settled.add(ref.id);
        continue;
      }
      try {
        const added = await this.deps.segments.addDirectory(record, ref);
        this.settled.add(ref.id);
        if (added) written++;
        else {
          logger.warn("segment manifest not in the written form: no directory", {
            segment: ref.id,
          });
        }
      } catch (err) {
        // Replaced by a compaction meanwhile: its replacement is written with a directory.
        if (!(err instanceof MissingSegmentError)) throw err;
      }
    }
    if (written > 0)
      logger.info("wrote segment directories", { index_name: indexName, count: written });
    return written;
  }
}
