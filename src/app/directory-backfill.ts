import { segmentStem } from "../../infra/storage";
import { logger } from "../logger";
import type { BlobStore, IndexCatalog } from "./ports";
import { MissingSegmentError, type SegmentStore, segmentKeys } from "./segment-store";

/**
 * Gives the large segments written before directories existed their directory, so reads by id
 * and id listings of them stop reading their whole manifest. Segments that merge again get one
 * anyway; full segments (64 MiB) never merge again, so without this they would keep their
 * manifest-only reads for good. Runs inside the compaction task, after the orphan sweep (hourly
 * for every index, and after merges): one listing of the index's segment objects, then one
 * manifest read and one directory write per segment that lacks its directory, while `hasTime()`.
 */
export class DirectoryBackfill {
  /** Segments whose manifest is not in the written form (see `addDirectory`): not tried again. */
  private readonly unfit = new Set<string>();

  constructor(
    private readonly deps: {
      readonly catalog: IndexCatalog;
      readonly blobs: BlobStore;
      readonly segments: SegmentStore;
    },
  ) {}

  /** Backfills index `indexName`; how many directories it wrote. */
  async run(indexName: string, hasTime: () => boolean = () => true): Promise<number> {
    const record = await this.deps.catalog.get(indexName);
    if (!record) return 0;
    const due = record.segments.filter((ref) => this.deps.segments.hasDirectory(record, ref));
    if (due.length === 0) return 0;
    const listed = new Set((await this.deps.blobs.list(segmentStem(record, ""))).map((o) => o.key));
    let written = 0;
    for (const ref of due) {
      if (!hasTime()) break;
      if (listed.has(segmentKeys(record, ref.id).directory) || this.unfit.has(ref.id)) continue;
      try {
        if (await this.deps.segments.addDirectory(record, ref)) written++;
        else {
          this.unfit.add(ref.id);
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
