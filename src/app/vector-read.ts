import pLimit from "p-limit";
import type { IndexRecord } from "../domain/index-record";
import type { LoadedIndex } from "../domain/loaded-index";
import { shortestFloat32 } from "../domain/vector-math";
import type { LiveState, Located } from "./live-state";
import type { ManifestCache } from "./manifest-cache";
import type { SegmentStore } from "./segment-store";
import type { StoredVector } from "./vector-results";

/** What {@link readVectors} answers when the digests named another id of the same hash. */
export const UNSURE = Symbol("unsure");

/** Storage reads one {@link readVectors} makes at once. */
const READ_CONCURRENCY = 16;

/**
 * Live vectors `ids` of `record`'s version, read alone: the id digests name the segment with the
 * latest word about each. A segment with a directory (a large manifest) answers with ranged
 * reads: the id's directory entry, then its id, metadata and values row at once; any other
 * segment with its manifest (kept by `manifests`), which gives the row and metadata, and a ranged
 * read of the values. `undefined` for an id not live; {@link UNSURE} when a segment's own ids do
 * not hold an id its digest named (a 64-bit hash shared with another id, about 1 in 10^7 at a
 * million ids): the caller reads the index's rows instead. Throws `MissingSegmentError` when a
 * compaction replaced a segment.
 */
export async function readVectors(
  live: LiveState,
  segments: SegmentStore,
  manifests: ManifestCache,
  record: IndexRecord,
  ids: readonly string[],
): Promise<(StoredVector | undefined)[] | typeof UNSURE> {
  const limit = pLimit(READ_CONCURRENCY);
  const locate = await live.locator(record, ids);
  const fromManifest = async (id: string, found: Located): Promise<Read> => {
    const manifest = await limit(() => manifests.get(record, found.ref));
    if (found.word === "deleted") return manifest.deleted.includes(id) ? undefined : UNSURE;
    const row = manifest.ids.indexOf(id);
    if (row < 0) return UNSURE;
    const values = await limit(() => segments.readRow(record, found.ref, row));
    return stored(id, values, manifest.metadata[row]);
  };
  const fromDirectory = async (id: string, found: Located): Promise<Read | typeof NONE> => {
    const { ref } = found;
    const entry = await limit(() => segments.readDirectoryEntry(record, ref, found.position));
    if (!entry) return NONE; // written before directories
    const storedId = limit(() => segments.readManifestSpan(record, ref, entry.id));
    if (found.word === "deleted") return (await storedId) === id ? undefined : UNSURE;
    const [named, metadata, values] = await Promise.all([
      storedId,
      limit(() => segments.readManifestSpan(record, ref, entry.metadata)),
      limit(() => segments.readRow(record, ref, entry.row)),
    ]);
    return named === id ? stored(id, values, metadata as Metadata) : UNSURE;
  };
  const one = async (id: string): Promise<Read> => {
    const found = await locate(id);
    if (!found) return undefined;
    if (found.position >= 0 && manifests.viaDirectory(record, found.ref)) {
      const read = await fromDirectory(id, found);
      if (read !== NONE) return read;
    }
    return fromManifest(id, found);
  };
  const read = await Promise.all(ids.map(one));
  return read.includes(UNSURE) ? UNSURE : (read as (StoredVector | undefined)[]);
}

/** A segment without a directory. */
const NONE = Symbol("no directory");

type Read = StoredVector | undefined | typeof UNSURE;
type Metadata = Record<string, unknown> | null | undefined;

function stored(id: string, values: Float32Array, metadata: Metadata): StoredVector {
  return { id, values: Array.from(values, shortestFloat32), metadata: metadata ?? null };
}

/** Live vector `id` of a loaded index version, or `undefined` when it is not live there. */
export function loadedVector(index: LoadedIndex, id: string): StoredVector | undefined {
  const row = index.rowOf.get(id);
  if (row === undefined) return undefined;
  return { id, values: index.raw(row), metadata: index.metadata[row] ?? null };
}
