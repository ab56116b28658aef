/**
 * The layout of a graph file as hnswlib (0.8, in hnswlib-node 3) writes it, and of the graph
 * patches vectord stores instead of a whole file when a catch-up changed little of it.
 *
 * A graph file is a 96-byte header, then one record per element in internal-id order (its
 * level-0 links, then its vector, then its label), then each element's upper-level links. A
 * catch-up (resize, add, markDelete) never moves an element, never changes an element's vector or
 * label, and appends new elements after the old ones; it changes an old element only in its
 * level-0 links (the deleted mark is there too) and its upper-level links. So a caught-up graph
 * is the graph it was caught up from (its _base_) with, per base element, new level-0 links, and
 * everything after the base's records replaced.
 *
 * A patch holds exactly that: `PATCH_MAGIC`, the base's element count (u64), the new graph's
 * header, the level-0 links of each base element (`linkBytes` each), then the new graph's bytes
 * from the end of the base elements' records on. All integers are little-endian.
 */

/** Bytes of hnswlib's file header. */
export const HNSW_HEADER_BYTES = 96;

/** The first bytes of every graph patch. */
export const PATCH_MAGIC = "VDGPATCH";

/** Bytes before a patch's link blocks: magic, base element count, the new graph's header. */
export const PATCH_PREFIX_BYTES = PATCH_MAGIC.length + 8 + HNSW_HEADER_BYTES;

/** What a graph file's header says about its layout. */
export interface HnswFileHeader {
  /** Elements stored (`cur_element_count`), deleted ones included. */
  readonly elements: number;
  /** Bytes of one element's record: level-0 links, vector, label (`size_data_per_element_`). */
  readonly recordBytes: number;
  /** Bytes of an element's level-0 links at the start of its record (`offsetData_`). */
  readonly linkBytes: number;
}

/** A graph file or patch does not have the layout expected of it. */
export class GraphFileFormatError extends Error {
  override readonly name = "GraphFileFormatError";
}

function u64(bytes: Uint8Array, offset: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new GraphFileFormatError(`header field at byte ${offset} is ${value}, too large`);
  }
  return Number(value);
}

/** Reads the layout fields of a graph file's first {@link HNSW_HEADER_BYTES} bytes. */
export function readHnswHeader(header: Uint8Array): HnswFileHeader {
  if (header.byteLength < HNSW_HEADER_BYTES) {
    throw new GraphFileFormatError(
      `a graph file header has ${HNSW_HEADER_BYTES} bytes; got ${header.byteLength}`,
    );
  }
  const elements = u64(header, 16);
  const recordBytes = u64(header, 24);
  const linkBytes = u64(header, 40);
  if (recordBytes === 0 || linkBytes === 0 || linkBytes >= recordBytes) {
    throw new GraphFileFormatError(
      `not an hnswlib graph: record of ${recordBytes} bytes with ${linkBytes} bytes of links (expected links > 0 and shorter than the record)`,
    );
  }
  return { elements, recordBytes, linkBytes };
}

/** Byte offset of element `element`'s record in a graph file. */
export function recordOffset(header: HnswFileHeader, element: number): number {
  return HNSW_HEADER_BYTES + element * header.recordBytes;
}

/** Bytes of the patch that turns a base of `baseElements` into a graph of `fileBytes`. */
export function patchBytes(header: HnswFileHeader, baseElements: number, fileBytes: number) {
  return (
    PATCH_PREFIX_BYTES +
    baseElements * header.linkBytes +
    fileBytes -
    recordOffset(header, baseElements)
  );
}

/** What a patch's prefix says: the base's element count, and the new graph's header. */
export interface PatchPrefix {
  /** Elements of the base file the patch applies to. */
  readonly baseElements: number;
  /** The new graph's header, as stored. */
  readonly headerBytes: Uint8Array;
  /** The new graph's header, decoded. */
  readonly header: HnswFileHeader;
}

/** The {@link PATCH_PREFIX_BYTES} bytes a patch starts with, for a base of `baseElements`. */
export function encodePatchPrefix(baseElements: number, headerBytes: Uint8Array): Uint8Array {
  const prefix = new Uint8Array(PATCH_PREFIX_BYTES);
  prefix.set(new TextEncoder().encode(PATCH_MAGIC), 0);
  new DataView(prefix.buffer).setBigUint64(PATCH_MAGIC.length, BigInt(baseElements), true);
  prefix.set(headerBytes.subarray(0, HNSW_HEADER_BYTES), PATCH_MAGIC.length + 8);
  return prefix;
}

/** Reads a patch's prefix; `name` says which patch in errors. */
export function readPatchPrefix(prefix: Uint8Array, name: string): PatchPrefix {
  const magic = String.fromCharCode(...prefix.subarray(0, PATCH_MAGIC.length));
  if (prefix.byteLength < PATCH_PREFIX_BYTES || magic !== PATCH_MAGIC) {
    throw new GraphFileFormatError(
      `${name} is not a graph patch: starts with ${JSON.stringify(magic)}, expected ${JSON.stringify(PATCH_MAGIC)}`,
    );
  }
  const headerBytes = prefix.slice(PATCH_MAGIC.length + 8, PATCH_PREFIX_BYTES);
  return {
    baseElements: u64(prefix, PATCH_MAGIC.length),
    headerBytes,
    header: readHnswHeader(headerBytes),
  };
}

/** Where a patch's tail starts: after its prefix and every base element's new links. */
export function patchTail({ header, baseElements }: PatchPrefix): { readonly start: number } {
  return { start: PATCH_PREFIX_BYTES + baseElements * header.linkBytes };
}

/**
 * The byte ranges (`end` exclusive) that base elements `[first, end)` of a patched graph are made
 * from: their records in the base (from byte 0 for the first slice, so the base's header comes
 * with it; the base's upper-level links are not needed) and their new links in the patch.
 */
export function patchSliceParts({ header }: PatchPrefix, first: number, end: number) {
  return {
    base: { start: first === 0 ? 0 : recordOffset(header, first), end: recordOffset(header, end) },
    links: {
      start: PATCH_PREFIX_BYTES + first * header.linkBytes,
      end: PATCH_PREFIX_BYTES + end * header.linkBytes,
    },
  };
}

/**
 * The slices `[first, end)` of a base of `baseElements` that a patched graph is made from, each of
 * about `sliceBytes` of records (at least one element; one empty slice for an empty base).
 */
export function patchSlices(
  { header, baseElements }: PatchPrefix,
  sliceBytes: number,
): [first: number, end: number][] {
  const per = Math.max(1, Math.floor(sliceBytes / header.recordBytes));
  const slices: [number, number][] = [];
  for (let first = 0; first < baseElements; first += per) {
    slices.push([first, Math.min(baseElements, first + per)]);
  }
  return slices.length > 0 ? slices : [[0, 0]];
}
