import { createReadStream } from "node:fs";
import { type FileHandle, open, stat } from "node:fs/promises";
import { basename, extname } from "node:path";
import { createInterface } from "node:readline";
import { newIdProblem } from "../domain/ids";
import { metadataProblem } from "../domain/metadata";
import {
  decodeRows,
  HEADER_BYTES,
  importId,
  layoutOf,
  ROW_FORMATS,
  type RowFormat,
  type RowLayout,
  rowRange,
} from "../domain/vector-files";
import { CliError, EXIT } from "./output";

/** One record to upsert. */
export interface VectorRecord {
  /** The row's id (from the file, or the prefix and its row number). */
  readonly id: string;
  /** Its values. */
  readonly values: Float32Array;
  /** Its metadata (JSON lines only). */
  readonly metadata?: Record<string, unknown>;
}

/** Consecutive records of a file, starting at row `first`. */
export interface Batch {
  /** The row number of its first record. */
  readonly first: number;
  /** Its records, in file order. */
  readonly records: readonly VectorRecord[];
}

/** A file of vectors read in batches, never whole. */
export interface VectorSource {
  /** The file's name, for messages. */
  readonly name: string;
  /** Rows in the file. */
  readonly rows: number;
  /** Values per row. */
  readonly dimension: number;
  /** Batches of `size` rows, skipping those whose first row `skip` says. */
  batches(size: number, skip?: (first: number) => boolean): AsyncIterable<Batch>;
  /** Closes the file. */
  close(): Promise<void>;
}

/**
 * Every file format `vectord import` reads: the row formats a bulk import reads, plus JSON lines
 * and HDF5.
 */
export const FILE_FORMATS = [...ROW_FORMATS, "jsonl", "hdf5"] as const;
/** A file format `vectord import` reads (one of {@link FILE_FORMATS}). */
export type FileFormat = (typeof FILE_FORMATS)[number];

/** The format a file's extension names. */
export function formatOf(path: string): FileFormat {
  const ext = extname(path).slice(1).toLowerCase();
  const format =
    ({ h5: "hdf5", hdf5: "hdf5", ndjson: "jsonl", jsonl: "jsonl" } as const)[ext as "h5"] ??
    (ROW_FORMATS as readonly string[]).find((f) => f === ext);
  if (!format) {
    throw new CliError(
      `${basename(path)}: cannot tell the format from ".${ext}"; expected one of .npy .fvecs .bvecs .ivecs .jsonl .hdf5 (or --format)`,
      EXIT.usage,
    );
  }
  return format as FileFormat;
}

/** A bad file: refused (exit 3), naming the file and row. */
export function badFile(message: string): CliError {
  return new CliError(message, EXIT.refused);
}

/** `.npy`, `.fvecs`, `.bvecs`, `.ivecs`: fixed-size rows read by byte range; ids `${prefix}${row}`. */
export async function openRowFile(
  path: string,
  format: RowFormat,
  prefix: string,
): Promise<VectorSource> {
  const name = basename(path);
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    const head = new Uint8Array(Math.min(size, HEADER_BYTES));
    await handle.read(head, 0, head.length, 0);
    const layout = rethrowAsBad(() => layoutOf(format, head, size, name));
    return rowSource(name, handle, layout, prefix);
  } catch (err) {
    await handle.close();
    throw err;
  }
}

function rowSource(
  name: string,
  handle: FileHandle,
  layout: RowLayout,
  prefix: string,
): VectorSource {
  return {
    name,
    rows: layout.rows,
    dimension: layout.dimension,
    async *batches(size, skip) {
      for (let first = 0; first < layout.rows; first += size) {
        if (skip?.(first)) continue;
        const to = Math.min(layout.rows, first + size);
        const [start, end] = rowRange(layout, first, to);
        const bytes = new Uint8Array(end - start);
        await handle.read(bytes, 0, bytes.length, start);
        const values = rethrowAsBad(() => decodeRows(layout, bytes, first, name));
        const d = layout.dimension;
        yield {
          first,
          records: Array.from({ length: to - first }, (_, r) => ({
            id: importId(prefix, first + r),
            values: values.subarray(r * d, (r + 1) * d),
          })),
        };
      }
    },
    close: () => handle.close(),
  };
}

/** JSONL: one `{"id", "values", "metadata"}` per line (blank lines skipped). */
export async function openJsonl(path: string): Promise<VectorSource> {
  const name = basename(path);
  let rows = 0;
  let dimension = 0;
  for await (const line of lines(path)) {
    if (!line.trim()) continue;
    if (rows === 0) dimension = parseRecord(line, 0, name, 0).values.length;
    rows++;
  }
  return {
    name,
    rows,
    dimension,
    async *batches(size, skip) {
      let batch: VectorRecord[] = [];
      let row = 0;
      let first = 0;
      for await (const line of lines(path)) {
        if (!line.trim()) continue;
        if (!skip?.(first)) batch.push(parseRecord(line, row, name, dimension));
        row++;
        if (row - first === size) {
          if (batch.length) yield { first, records: batch };
          batch = [];
          first = row;
        }
      }
      if (batch.length) yield { first, records: batch };
    },
    close: async () => {},
  };
}

async function* lines(path: string): AsyncIterable<string> {
  const rl = createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  yield* rl;
}

function parseRecord(line: string, row: number, name: string, dimension: number): VectorRecord {
  const where = `${name}: row ${row}`;
  let record: { id?: unknown; values?: unknown; metadata?: unknown };
  try {
    record = JSON.parse(line);
  } catch (err) {
    throw badFile(`${where}: not JSON (${(err as Error).message})`);
  }
  if (typeof record !== "object" || record === null || Array.isArray(record)) {
    throw badFile(`${where}: expected an object {"id", "values", "metadata"}`);
  }
  const unknown = Object.keys(record).filter((k) => !["id", "values", "metadata"].includes(k));
  if (unknown.length) throw badFile(`${where}: unknown field ${unknown.join(", ")}`);
  const { id, values, metadata } = record;
  if (typeof id !== "string") throw badFile(`${where}: id: expected a string`);
  const problem = newIdProblem(id);
  if (problem) throw badFile(`${where}: id: ${problem}`);
  if (!Array.isArray(values) || values.length === 0) {
    throw badFile(`${where}: values: expected a non-empty array of numbers`);
  }
  if (dimension && values.length !== dimension) {
    throw badFile(
      `${where}: values: got ${values.length} values; the file's first row has ${dimension}`,
    );
  }
  const out = new Float32Array(values.length);
  for (let j = 0; j < values.length; j++) {
    const x = values[j];
    if (typeof x !== "number" || !Number.isFinite(Math.fround(x))) {
      throw badFile(`${where}: values[${j}]: got ${JSON.stringify(x)}, expected a finite number`);
    }
    out[j] = x;
  }
  if (
    metadata !== undefined &&
    (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))
  ) {
    throw badFile(`${where}: metadata: expected a JSON object`);
  }
  const tooLarge = metadata ? metadataProblem(metadata as Record<string, unknown>) : null;
  if (tooLarge) throw badFile(`${where}: metadata ${tooLarge}`);
  return {
    id,
    values: out,
    ...(metadata ? { metadata: metadata as Record<string, unknown> } : {}),
  };
}

/** A file's size in bytes. */
export async function fileSize(path: string): Promise<number> {
  return (await stat(path)).size;
}

function rethrowAsBad<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw badFile((err as Error).message);
  }
}
