import type { Span } from "./segment-directory";

/**
 * Ids as a names section stores them (a segment directory's, an id directory's): UTF-8, one JSON
 * string a line, in hash order; `offsets[i]` is where the `i`-th line starts and
 * `offsets[length]` where the last one ends. Kept as bytes, so a directory build moves a
 * million names without making a string of each.
 */
export interface NameList {
  /** The lines. */
  readonly bytes: Uint8Array;
  /** Where each line starts, and the end (one more entry than lines). */
  readonly offsets: Float64Array;
}

/** Lines a names section's block index points at every one of. */
export const NAMES_BLOCK = 64;

/** The names of `ids`, in their order. */
export function nameListOf(ids: readonly string[]): NameList {
  return nameListOfLines(Buffer.from(ids.map((id) => `${JSON.stringify(id)}\n`).join(""), "utf8"));
}

/** The names in `bytes`, one JSON string a line (each line ended by `\n`). */
export function nameListOfLines(bytes: Uint8Array): NameList {
  let lines = 0;
  for (let at = bytes.indexOf(0x0a); at >= 0; at = bytes.indexOf(0x0a, at + 1)) lines++;
  const offsets = new Float64Array(lines + 1);
  let line = 0;
  for (let at = bytes.indexOf(0x0a); at >= 0; at = bytes.indexOf(0x0a, at + 1)) {
    offsets[++line] = at + 1;
  }
  return { bytes, offsets };
}

/** Lines of `names`. */
export function namesCount(names: NameList): number {
  return names.offsets.length - 1;
}

/**
 * The names picked from `layers`: the `i`-th is line `position[i]` of layer `layer[i]` (as
 * `applyWords` reports where each live hash came from).
 */
export function gatherNames(
  layers: readonly (NameList | undefined)[],
  layer: Uint32Array,
  position: Uint32Array,
): NameList {
  const n = layer.length;
  const offsets = new Float64Array(n + 1);
  const lineOf = (i: number): [NameList, number, number] => {
    const from = layers[layer[i] as number];
    const p = position[i] as number;
    if (!from || p >= namesCount(from)) {
      throw new RangeError(`name ${p} of layer ${layer[i]} was asked for, and the layer has none`);
    }
    return [from, from.offsets[p] as number, from.offsets[p + 1] as number];
  };
  for (let i = 0; i < n; i++) {
    const [, start, end] = lineOf(i);
    offsets[i + 1] = (offsets[i] as number) + end - start;
  }
  const bytes = new Uint8Array(offsets[n] as number);
  for (let i = 0; i < n; i++) {
    const [from, start, end] = lineOf(i);
    bytes.set(from.bytes.subarray(start, end), offsets[i] as number);
  }
  return { bytes, offsets };
}

/**
 * A names section: the block index (float64 little-endian offsets, relative to the names, of every
 * {@link NAMES_BLOCK}-th line, then the names' length), then the names. A run of lines is then
 * one ranged read (see `namesSpan`).
 */
export function namesSection(names: NameList): Uint8Array {
  const n = namesCount(names);
  const blocks = Math.ceil(n / NAMES_BLOCK);
  const index = new Uint8Array(8 * (blocks + 1));
  const view = new DataView(index.buffer);
  for (let b = 0; b < blocks; b++) {
    view.setFloat64(8 * b, names.offsets[b * NAMES_BLOCK] as number, true);
  }
  view.setFloat64(8 * blocks, names.offsets[n] as number, true);
  const out = new Uint8Array(index.byteLength + names.bytes.byteLength);
  out.set(index);
  out.set(names.bytes, index.byteLength);
  return out;
}

/** Bytes of the block index of a names section of `lines` lines. */
export function namesIndexBytes(lines: number): number {
  return 8 * (Math.ceil(lines / NAMES_BLOCK) + 1);
}

/** A names section's block index (see {@link namesSection}), or slots of it, as read. */
export function decodeNamesIndex(bytes: Uint8Array): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float64Array.from({ length: bytes.byteLength / 8 }, (_, i) =>
    view.getFloat64(8 * i, true),
  );
}

/**
 * The block index slots that bound the names of positions `[from, to)`: `first` holds where the
 * names of the block with `from` start, `last` where those after the block with `to - 1` start
 * (at most `blocks`, the slot after the last block).
 */
export function namesBlocks(from: number, to: number, blocks = Number.POSITIVE_INFINITY) {
  return {
    first: Math.floor(from / NAMES_BLOCK),
    last: Math.min(Math.ceil(to / NAMES_BLOCK), blocks),
  };
}

/**
 * The bytes of the names of upserted positions `[from, to)` (whole blocks around them), as a
 * span of the directory, and the position of the first name in it. `index` holds the block index
 * from slot `base` on (default 0: all of it), at least the slots {@link namesBlocks} names.
 */
export function namesSpan(
  index: Float64Array,
  namesStart: number,
  from: number,
  to: number,
  base = 0,
): { span: Span; first: number } {
  const { first, last } = namesBlocks(from, to, base + index.length - 1);
  return {
    span: {
      start: namesStart + (index[first - base] as number),
      end: namesStart + (index[last - base] as number),
    },
    first: first * NAMES_BLOCK,
  };
}

/** The ids in names bytes (one JSON string a line). */
export function decodeNames(bytes: Uint8Array): string[] {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  return text
    .split("\n")
    .slice(0, -1)
    .map((line) => JSON.parse(line) as string);
}
