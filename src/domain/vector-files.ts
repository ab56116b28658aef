import { ValidationError } from "./errors";

/**
 * The fixed-row vector file formats embeddings and ANN benchmarks ship in, read in byte ranges
 * (a file is never loaded whole): `.npy` (a 2-d C-order float32 or float64 array), `.fvecs`
 * (each row: int32 dimension, then float32 values), `.bvecs` (int32 dimension, then uint8
 * values) and `.ivecs` (int32 dimension, then int32 values: ground-truth neighbor lists).
 * JSONL and HDF5 are read by the CLI (`src/cli/readers.ts`).
 */
export type RowFormat = "npy" | "fvecs" | "bvecs" | "ivecs";
/**
 * The row formats a bulk import reads: NumPy `.npy` and the TEXMEX `.fvecs`, `.bvecs` and `.ivecs`.
 */
export const ROW_FORMATS = [
  "npy",
  "fvecs",
  "bvecs",
  "ivecs",
] as const satisfies readonly RowFormat[];

/** Where a file's rows are: `rows` rows of `dimension` values, `rowBytes` apart from `offset`. */
export interface RowLayout {
  /** The file's format. */
  readonly format: RowFormat;
  /** Rows in the file. */
  readonly rows: number;
  /** Values per row. */
  readonly dimension: number;
  /** Bytes before the first row (the `.npy` header). */
  readonly offset: number;
  /**
   * Bytes from one row's start to the next (a row's values, and in `.fvecs` / `.bvecs` / `.ivecs`
   * its 4-byte length).
   */
  readonly rowBytes: number;
  /** `.npy` element type. */
  readonly dtype?: "<f4" | "<f8";
}

/** How many leading bytes {@link layoutOf} needs at most (an `.npy` header fits in 64 KiB). */
export const HEADER_BYTES = 65_536;

/**
 * The layout of a file from its first bytes (at most {@link HEADER_BYTES}) and its size. Throws
 * a {@link ValidationError} naming `name` and what is wrong.
 */
export function layoutOf(
  format: RowFormat,
  head: Uint8Array,
  size: number,
  name: string,
): RowLayout {
  if (format === "npy") return npyLayout(head, size, name);
  if (head.byteLength < 4)
    throw new ValidationError(`${name}: too short for ${format} (${size} bytes)`);
  const dimension = new DataView(head.buffer, head.byteOffset).getInt32(0, true);
  if (dimension < 1 || dimension > 1_000_000) {
    throw new ValidationError(
      `${name}: row 0 declares dimension ${dimension}; expected 1 to 1000000`,
    );
  }
  const elementBytes = format === "bvecs" ? 1 : 4;
  const rowBytes = 4 + dimension * elementBytes;
  if (size % rowBytes !== 0) {
    throw new ValidationError(
      `${name}: ${size} bytes is not a whole number of ${format} rows of ${rowBytes} bytes (dimension ${dimension})`,
    );
  }
  return { format, rows: size / rowBytes, dimension, offset: 0, rowBytes };
}

function npyLayout(head: Uint8Array, size: number, name: string): RowLayout {
  const magic = String.fromCharCode(...head.subarray(0, 6));
  if (magic !== "\x93NUMPY")
    throw new ValidationError(`${name}: not an .npy file (no \\x93NUMPY magic)`);
  const major = head[6] as number;
  const view = new DataView(head.buffer, head.byteOffset);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + headerLength > head.byteLength) {
    throw new ValidationError(
      `${name}: .npy header of ${headerLength} bytes is longer than expected`,
    );
  }
  const header = new TextDecoder().decode(head.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr !== "<f4" && descr !== "<f8") {
    throw new ValidationError(
      `${name}: .npy dtype ${descr}; expected float32 (<f4) or float64 (<f8)`,
    );
  }
  if (fortran !== "False")
    throw new ValidationError(`${name}: .npy in Fortran order; expected C order`);
  const dims = (shape ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (dims.length !== 2) {
    throw new ValidationError(
      `${name}: .npy shape (${shape}); expected a 2-d array (rows, dimension)`,
    );
  }
  const [rows, dimension] = dims as [number, number];
  const elementBytes = descr === "<f4" ? 4 : 8;
  const offset = start + headerLength;
  const rowBytes = dimension * elementBytes;
  if (offset + rows * rowBytes !== size) {
    throw new ValidationError(
      `${name}: .npy of shape (${rows}, ${dimension}) needs ${offset + rows * rowBytes} bytes; the file has ${size}`,
    );
  }
  return { format: "npy", rows, dimension, offset, rowBytes, dtype: descr };
}

/** The byte range `[start, end)` of rows `[from, to)`. */
export function rowRange(layout: RowLayout, from: number, to: number): [number, number] {
  return [layout.offset + from * layout.rowBytes, layout.offset + to * layout.rowBytes];
}

/**
 * Decodes whole rows (`bytes` holds rows `first`, `first + 1`, ...) into Float32 values,
 * row-major. A row whose values are not finite, or whose declared dimension differs, is refused
 * naming `name` and its row number.
 */
export function decodeRows(
  layout: RowLayout,
  bytes: Uint8Array,
  first: number,
  name: string,
): Float32Array {
  const { dimension, rowBytes } = layout;
  const count = Math.floor(bytes.byteLength / rowBytes);
  if (count * rowBytes !== bytes.byteLength) {
    throw new ValidationError(`${name}: a read of ${bytes.byteLength} bytes holds a partial row`);
  }
  const out = new Float32Array(count * dimension);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (LITTLE_ENDIAN && (layout.dtype === "<f4" || layout.format === "fvecs")) {
    // Float32 rows as stored: copy their bytes (per row past each fvecs header), check after.
    const outBytes = new Uint8Array(out.buffer);
    const skip = layout.format === "fvecs" ? 4 : 0;
    if (skip === 0) outBytes.set(bytes);
    else {
      for (let r = 0; r < count; r++) {
        const base = r * rowBytes;
        checkDeclared(view, base, dimension, name, first + r);
        outBytes.set(bytes.subarray(base + skip, base + skip + dimension * 4), r * dimension * 4);
      }
    }
    // x * 0 is 0 for every finite x and NaN otherwise: one pass without a branch, and the slow
    // search for the culprit only when there is one.
    let probe = 0;
    for (let i = 0; i < out.length; i++) probe += (out[i] as number) * 0;
    if (probe === 0) return out;
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i] as number)) {
        const [r, j] = [Math.floor(i / dimension), i % dimension];
        throw new ValidationError(
          `${name}: row ${first + r}, value ${j}: got ${out[i]}, expected a finite number that fits in a 32-bit float`,
        );
      }
    }
    return out;
  }
  for (let r = 0; r < count; r++) {
    const base = r * rowBytes;
    let at = base;
    if (layout.format !== "npy") {
      checkDeclared(view, base, dimension, name, first + r);
      at += 4;
    }
    for (let j = 0; j < dimension; j++) {
      let x: number;
      if (layout.format === "npy") {
        x =
          layout.dtype === "<f8"
            ? view.getFloat64(at + j * 8, true)
            : view.getFloat32(at + j * 4, true);
      } else if (layout.format === "bvecs") {
        x = bytes[at + j] as number;
      } else if (layout.format === "ivecs") {
        x = view.getInt32(at + j * 4, true);
      } else {
        x = view.getFloat32(at + j * 4, true);
      }
      const f = Math.fround(x);
      if (!Number.isFinite(f)) {
        throw new ValidationError(
          `${name}: row ${first + r}, value ${j}: got ${x}, expected a finite number that fits in a 32-bit float`,
        );
      }
      out[r * dimension + j] = f;
    }
  }
  return out;
}

/** Platform byte order: Float32 rows of little-endian files copy as they are on little-endian hosts. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A `.fvecs`/`.bvecs`/`.ivecs` row's leading int32 must be the file's dimension. */
function checkDeclared(view: DataView, at: number, dimension: number, name: string, row: number) {
  const declared = view.getInt32(at, true);
  if (declared !== dimension) {
    throw new ValidationError(
      `${name}: row ${row} declares dimension ${declared}; the file's rows have ${dimension}`,
    );
  }
}

/** The deterministic id of row `row` of an import: re-running an import upserts the same ids. */
export function importId(prefix: string, row: number): string {
  return `${prefix}${row}`;
}

/** Rows per import chunk: whole rows of about `targetBytes` of Float32 values (at least one). */
export function chunkRows(dimension: number, targetBytes = 32 * 1024 * 1024): number {
  return Math.max(1, Math.floor(targetBytes / (dimension * 4)));
}
