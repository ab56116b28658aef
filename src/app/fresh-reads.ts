import { indexGone } from "../domain/errors";
import type { IndexRecord } from "../domain/index-record";
import type { IndexCatalog } from "./ports";
import { MissingSegmentError } from "./segment-store";

/** Reads of a segment list a compaction keeps changing before one is let fail (see readFresh). */
const FRESH_READS = 4;

/**
 * Runs `read` on `record`; if a compaction removed a segment it names, again on a fresh record
 * from `catalog` (readers holding an older segment list keep working), up to {@link FRESH_READS}
 * reads in all: compactions that keep finishing while writers keep writing can remove a segment
 * of the fresh record too. 404 when the index is gone or was created anew meanwhile.
 */
export async function readFresh<T>(
  catalog: Pick<IndexCatalog, "get">,
  record: IndexRecord,
  read: (r: IndexRecord) => Promise<T>,
): Promise<T> {
  let current = record;
  for (let attempt = 1; ; attempt++) {
    try {
      return await read(current);
    } catch (err) {
      if (!(err instanceof MissingSegmentError) || attempt >= FRESH_READS) throw err;
      const fresh = await catalog.get(record.name);
      if (!fresh || fresh.uid !== record.uid) throw indexGone(record.name, fresh !== undefined);
      current = fresh;
    }
  }
}
