import { vectorNotFound } from "../domain/errors";
import type { IndexRecord } from "../domain/index-record";
import type { LoadedIndex } from "../domain/loaded-index";
import { shortestFloat32 } from "../domain/vector-math";
import type { LiveState } from "./live-state";
import type { SegmentStore } from "./segment-store";
import type { StoredVector } from "./vector-results";

/** What {@link readVector} answers when the digests named another id of the same hash. */
export const UNSURE = Symbol("unsure");

/**
 * Live vector `id` of `record`'s version, read alone: the id digests name the segment with the
 * latest word about it, whose manifest gives its row and metadata, and a ranged read its values.
 * `undefined` when it is not live; {@link UNSURE} when that segment's own ids do not hold it (a
 * 64-bit hash shared with another id, about 1 in 10^7 at a million ids): the caller reads the
 * index's rows instead. Throws `MissingSegmentError` when a compaction replaced the segment.
 */
export async function readVector(
  live: LiveState,
  segments: SegmentStore,
  record: IndexRecord,
  id: string,
): Promise<StoredVector | undefined | typeof UNSURE> {
  const found = await live.locate(record, id);
  if (!found) return undefined;
  const manifest = await segments.readManifest(record, found.ref);
  if (found.word === "deleted") return manifest.deleted.includes(id) ? undefined : UNSURE;
  const row = manifest.ids.indexOf(id);
  if (row < 0) return UNSURE;
  const values = await segments.readRow(record, found.ref, row);
  return {
    id,
    values: Array.from(values, shortestFloat32),
    metadata: manifest.metadata[row] ?? null,
  };
}

/** Live vector `id` of a loaded index version; 404 `vector_not_found` when it is not live there. */
export function loadedVector(name: string, index: LoadedIndex, id: string): StoredVector {
  const row = index.rowOf.get(id);
  if (row === undefined) throw vectorNotFound(name, id);
  return { id, values: index.raw(row), metadata: index.metadata[row] ?? null };
}
