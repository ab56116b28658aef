import { hashOrder, type IdDigest } from "./id-digest";
import { NAMES_BLOCK, nameListOf, namesIndexBytes, namesSection } from "./name-list";
import type { SegmentManifest } from "./segment";

/**
 * A segment's _directory_: where each word of its id digest lives in its manifest, so that one
 * vector is read by id with ranged reads instead of the whole manifest (tens of megabytes for a
 * merged segment with metadata: every id and metadata object of up to 64 MiB of rows).
 *
 * Entry `p` describes the digest's `p`-th hash (its upserted hashes in sorted order, then its
 * deleted ones) in {@link DIRECTORY_ENTRY_BYTES} little-endian bytes, `[row u32][id length u32]
 * [id start f64][metadata length u32][metadata start f64]`: spans of the manifest's UTF-8 JSON
 * text (the id as a JSON string, the metadata as a JSON value). `row` is the values row of an
 * upserted id, {@link DELETED_ROW} for a deleted one (whose metadata span is empty). Offsets are
 * float64 so that manifests past 4 GiB stay addressable (exact up to 2^53).
 *
 * After the entries, for listing ids (see {@link namesLayout}): the upserted ids again in hash
 * order, one JSON string a line, with a block index of where every {@link NAMES_BLOCK}-th one
 * starts, so a run of a listing page's ids is one ranged read.
 */
export interface DirectoryEntry {
  /** The values row of an upserted id, or {@link DELETED_ROW}. */
  readonly row: number;
  /** The id's JSON string in the manifest's text. */
  readonly id: Span;
  /** The metadata's JSON value in the manifest's text (empty for a deleted id). */
  readonly metadata: Span;
}

/** Bytes `[start, end)` of a stored object (a manifest's UTF-8 text, a directory). */
export interface Span {
  /** First byte. */
  readonly start: number;
  /** One past the last byte. */
  readonly end: number;
}

/** Bytes of one directory entry. */
export const DIRECTORY_ENTRY_BYTES = 28;

/** The `row` of a deleted id's entry. */
export const DELETED_ROW = 0xffffffff;

/** A manifest serialized as `JSON.stringify` would, with its directory when it has one. */
export interface ManifestText {
  /** The JSON text. */
  readonly text: string;
  /** The text's UTF-8 byte length. */
  readonly bytes: number;
  /** The directory, for a manifest large enough to have one. */
  readonly directory?: Uint8Array;
  /** The manifest's id digest (`digestOf`), found while ordering the directory; with it only. */
  readonly digest?: IdDigest;
}

/**
 * `{...head, ...manifest}` as the JSON text `JSON.stringify` gives (same content, same key
 * order; `head` holds small fields written first: the format, the dimension), with the directory
 * of spans into it when the text has at least `directoryMinBytes` (a small manifest is only
 * stringified: that is 5 times faster than tracking spans, on every write).
 */
export function manifestText(
  head: Readonly<Record<string, unknown>>,
  manifest: SegmentManifest,
  directoryMinBytes: number,
): ManifestText {
  const { ids, metadata, deleted, versions, deleted_versions } = manifest;
  const plain = JSON.stringify({ ...head, ids, metadata, deleted, versions, deleted_versions });
  const bytes = Buffer.byteLength(plain, "utf8");
  if (bytes < directoryMinBytes) return { text: plain, bytes };
  const spanned = spannedText(head, manifest);
  return { text: spanned.text, bytes: spanned.bytes, ...directoryOf(manifest, spanned) };
}

/** The text of {@link manifestText} built piece by piece, with the spans of every word. */
function spannedText(
  head: Readonly<Record<string, unknown>>,
  manifest: SegmentManifest,
): { text: string; bytes: number; ids: Span[]; metadata: Span[]; deleted: Span[] } {
  const parts: string[] = [];
  let at = 0;
  const write = (s: string): Span => {
    const start = at;
    parts.push(s);
    at += Buffer.byteLength(s, "utf8");
    return { start, end: at };
  };
  let fields = 0;
  const field = (key: string, value: () => void) => {
    write(`${fields++ > 0 ? "," : ""}${JSON.stringify(key)}:`);
    value();
  };
  const list = (key: string, n: number, item: (i: number) => string): Span[] => {
    const spans = new Array<Span>(n);
    field(key, () => {
      write("[");
      for (let i = 0; i < n; i++) {
        if (i > 0) write(",");
        spans[i] = write(item(i));
      }
      write("]");
    });
    return spans;
  };
  write("{");
  for (const [key, value] of Object.entries(head)) {
    if (value !== undefined) field(key, () => write(JSON.stringify(value)));
  }
  const ids = list("ids", manifest.ids.length, (i) => JSON.stringify(manifest.ids[i]));
  const metadata = list("metadata", manifest.ids.length, (i) =>
    JSON.stringify(manifest.metadata[i] ?? null),
  );
  const deleted = list("deleted", manifest.deleted.length, (i) =>
    JSON.stringify(manifest.deleted[i]),
  );
  for (const key of ["versions", "deleted_versions"] as const) {
    const versions = manifest[key];
    if (versions) field(key, () => write(JSON.stringify(versions)));
  }
  write("}");
  return { text: parts.join(""), bytes: at, ids, metadata, deleted };
}

/** The directory of `manifest`, whose rows' spans in its text are `spans`, and its digest. */
function directoryOf(
  manifest: SegmentManifest,
  spans: { ids: Span[]; metadata: Span[]; deleted: Span[] },
): { directory: Uint8Array; digest: IdDigest } {
  const { ids, metadata, deleted } = spans;
  const up = hashOrder(manifest.ids);
  const down = hashOrder(manifest.deleted);
  const upserted = up.order;
  const gone = down.order;
  const directory = new Uint8Array(DIRECTORY_ENTRY_BYTES * (upserted.length + gone.length));
  const view = new DataView(directory.buffer);
  const none: Span = { start: 0, end: 0 };
  const put = (p: number, entry: DirectoryEntry) => {
    const o = p * DIRECTORY_ENTRY_BYTES;
    view.setUint32(o, entry.row, true);
    view.setUint32(o + 4, entry.id.end - entry.id.start, true);
    view.setFloat64(o + 8, entry.id.start, true);
    view.setUint32(o + 16, entry.metadata.end - entry.metadata.start, true);
    view.setFloat64(o + 20, entry.metadata.start, true);
  };
  upserted.forEach((row, p) => {
    put(p, { row, id: ids[row] as Span, metadata: metadata[row] as Span });
  });
  gone.forEach((d, p) => {
    put(upserted.length + p, { row: DELETED_ROW, id: deleted[d] as Span, metadata: none });
  });
  // The upserted ids again, in hash order, one JSON string a line, and where every
  // NAMES_BLOCK-th one starts: a run of a listing's ids is one ranged read.
  const names = namesSection(
    nameListOf(Array.from(upserted, (row) => manifest.ids[row] as string)),
  );
  return {
    directory: Buffer.concat([directory, names]),
    digest: { upserted: up.sorted, deleted: down.sorted },
  };
}

/**
 * Where a directory's listing sections sit, from its digest's counts: after the entries, the
 * block index (float64 offsets into the names of every {@link NAMES_BLOCK}-th upserted id, and
 * the names' length), then the names (the upserted ids in hash order, one JSON string a line).
 */
export function namesLayout(
  upserted: number,
  words: number,
): { readonly index: Span; readonly namesStart: number } {
  const start = words * DIRECTORY_ENTRY_BYTES;
  const end = start + namesIndexBytes(upserted);
  return { index: { start, end }, namesStart: end };
}

/** Directory entry `p`, from the {@link DIRECTORY_ENTRY_BYTES} bytes read at its offset. */
export function decodeDirectoryEntry(bytes: Uint8Array): DirectoryEntry {
  if (bytes.byteLength !== DIRECTORY_ENTRY_BYTES) {
    throw new RangeError(
      `directory entry has ${bytes.byteLength} bytes, expected ${DIRECTORY_ENTRY_BYTES}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idStart = view.getFloat64(8, true);
  const metaStart = view.getFloat64(20, true);
  return {
    row: view.getUint32(0, true),
    id: { start: idStart, end: idStart + view.getUint32(4, true) },
    metadata: { start: metaStart, end: metaStart + view.getUint32(16, true) },
  };
}
