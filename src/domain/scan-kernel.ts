import { SCAN_KERNEL_BASE64 } from "./scan-kernel-wasm";

// The WebAssembly SIMD side of exact scans (source: ./scan-kernel.wat). It computes one raw
// value per row (a squared L2 distance, or a dot product) in 32-bit floats, four lanes at a
// time; the caller turns values into distances and keeps the top k (./exact-search.ts).

/** What the kernel computes per row: `l2` (squared L2 distance) or `dot` (dot product). */
export type KernelOp = "l2" | "dot";

/**
 * Rows of at most this many bytes are copied once into memory of their own and kept there while
 * their array lives (a tail, a filter's packed matches, a small index); larger ones stream
 * through a scratch block on every scan, so no large index is held twice.
 */
export const DEFAULT_MIRROR_MAX_BYTES = 64 << 20;

/**
 * The most a mirror may take, whatever a caller allows: the kernel's 32-bit memory addresses 4
 * GiB, and half of that leaves room for the query and the values. Larger rows always stream.
 */
export const MIRROR_LIMIT_BYTES = 2 ** 31;

/** Bytes of rows a scratch block holds (at least one row does). */
export const BLOCK_BYTES = 1 << 20;

/** Where a scan keeps its rows (tests shrink both to cover every path with small data). */
export interface ScanMemory {
  /** Rows of at most this many bytes are mirrored (default {@link DEFAULT_MIRROR_MAX_BYTES}). */
  readonly mirrorMaxBytes?: number;
  /** Bytes of rows a scratch block holds (default {@link BLOCK_BYTES}). */
  readonly blockBytes?: number;
}

const PAGE_BYTES = 64 * 1024;

type KernelFn = (rows: number, n: number, dim: number, query: number, out: number) => void;

/** A kernel instance over a memory of its own: rows from 0, then one query, then the values. */
class KernelMemory {
  readonly rows: number;
  private readonly memory: WebAssembly.Memory;
  private readonly fns: Record<KernelOp, KernelFn>;
  private readonly dimension: number;

  constructor(module: WebAssembly.Module, rows: number, dimension: number) {
    const bytes = (rows * dimension + dimension + rows) * 4;
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(bytes / PAGE_BYTES)) });
    const { exports } = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.fns = { l2: exports.l2 as KernelFn, dot: exports.dot as KernelFn };
    this.rows = rows;
    this.dimension = dimension;
  }

  /** Copies `count` rows (from row `first` of `data`) to the start of this memory. */
  load(data: Float32Array, first: number, count: number): void {
    const d = this.dimension;
    new Float32Array(this.memory.buffer, 0, count * d).set(
      data.subarray(first * d, (first + count) * d),
    );
  }

  /** The kernel's values for the first `count` rows held, against `query`. */
  run(op: KernelOp, query: Float32Array, count: number): Float32Array {
    const d = this.dimension;
    const queryAt = this.rows * d * 4;
    const outAt = queryAt + d * 4;
    new Float32Array(this.memory.buffer, queryAt, d).set(query);
    this.fns[op](0, count, d, queryAt, outAt);
    return new Float32Array(this.memory.buffer, outAt, count);
  }
}

/** The warning a process logs, once, when its exact scans fall back to the scalar scan. */
export const SIMD_UNAVAILABLE =
  "WebAssembly SIMD is unavailable; exact scans run on the scalar scan";

/** The compiled kernel; null where WebAssembly SIMD is unavailable (the JS scan serves then). */
let compiled: WebAssembly.Module | null | undefined;

function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(SCAN_KERNEL_BASE64, "base64"));
    } catch (err) {
      compiled = null;
      process.emitWarning(`${SIMD_UNAVAILABLE}: ${(err as Error).message}`, "VectordWarning");
    }
  }
  return compiled;
}

/** Whether scans run on the SIMD kernel in this process. */
export function simdScansAvailable(): boolean {
  return kernelModule() !== null;
}

/** Arrays copied into memory of their own (collected with them). */
const mirrors = new WeakMap<Float32Array, KernelMemory>();
/** The scratch block of each (dimension, block size) seen (one per thread). */
const scratch = new Map<string, KernelMemory>();

/**
 * The rows of `data` in memory of their own, copied on first use; null when that memory cannot
 * be had (the process is short of it): the scan streams instead.
 */
function mirrorOf(
  module: WebAssembly.Module,
  data: Float32Array,
  rows: number,
  dimension: number,
): KernelMemory | null {
  const kept = mirrors.get(data);
  if (kept && kept.rows >= rows) return kept;
  let mirror: KernelMemory;
  try {
    mirror = new KernelMemory(module, rows, dimension);
  } catch (err) {
    if (err instanceof RangeError) return null;
    throw err;
  }
  mirror.load(data, 0, rows);
  mirrors.set(data, mirror);
  return mirror;
}

/**
 * Runs the kernel's `op` for `query` over `rows` rows of `dimension` values in `data`, handing
 * each block of values to `visit` (row `first + i` has value `values[i]`; `values` is valid only
 * during the call). Returns false, having visited nothing, when SIMD is unavailable.
 */
export function scanRows(
  data: Float32Array,
  dimension: number,
  rows: number,
  op: KernelOp,
  query: Float32Array,
  visit: (first: number, values: Float32Array) => void,
  { mirrorMaxBytes = DEFAULT_MIRROR_MAX_BYTES, blockBytes = BLOCK_BYTES }: ScanMemory = {},
): boolean {
  const module = kernelModule();
  if (!module) return false;
  if (rows === 0) return true;
  const bytes = rows * dimension * 4;
  const mirror =
    bytes <= Math.min(mirrorMaxBytes, MIRROR_LIMIT_BYTES) &&
    mirrorOf(module, data, rows, dimension);
  if (mirror) {
    visit(0, mirror.run(op, query, rows));
    return true;
  }
  const blockRows = Math.max(1, Math.floor(blockBytes / (dimension * 4)));
  let block = scratch.get(`${dimension}/${blockRows}`);
  if (!block) {
    block = new KernelMemory(module, blockRows, dimension);
    scratch.set(`${dimension}/${blockRows}`, block);
  }
  for (let first = 0; first < rows; first += block.rows) {
    const count = Math.min(block.rows, rows - first);
    block.load(data, first, count);
    visit(first, block.run(op, query, count));
  }
  return true;
}
