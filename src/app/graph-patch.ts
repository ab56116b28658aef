import { createReadStream, createWriteStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  GraphFileFormatError,
  HNSW_HEADER_BYTES,
  type HnswFileHeader,
  PATCH_MAGIC,
  PATCH_PREFIX_BYTES,
  patchBytes,
  readHnswHeader,
  recordOffset,
} from "../domain/hnsw-file";
import type { BlobStore } from "./ports";

// Graph patches (layout in ../domain/hnsw-file.ts): cut from a caught-up graph file (into a file,
// or straight into an upload), and applied to the base to get that graph file back, byte for
// byte. Both stream in bounded chunks, so memory stays flat whatever the graph's size.

/** Content type of stored graphs and patches. */
const OCTETS = "application/octet-stream";

/** Bytes read or written at once (default). */
const CHUNK_BYTES = 4 << 20;

/** How a patch is streamed. */
export interface PatchIo {
  /** Bytes read or written at once (default 4 MiB; at least one record is). */
  readonly chunkBytes?: number;
}

/** A stored graph: a whole file at `graph_key`, or a patch there over the file at `base.key`. */
export interface GraphRef {
  readonly graph_key: string;
  readonly graph_base?: GraphBase | undefined;
}

/** The whole graph file a patch applies to, and how many elements it holds. */
export interface GraphBase {
  readonly key: string;
  readonly elements: number;
}

async function readExactly(file: FileHandle, bytes: number, position: number, what: string) {
  const buffer = Buffer.alloc(bytes);
  const { bytesRead } = await file.read(buffer, 0, bytes, position);
  if (bytesRead !== bytes) {
    throw new GraphFileFormatError(
      `${what}: expected ${bytes} bytes at byte ${position}, the file has ${bytesRead}`,
    );
  }
  return buffer;
}

/** The header of the graph file at `path`. */
export async function graphFileHeader(path: string): Promise<HnswFileHeader> {
  const file = await open(path, "r");
  try {
    return readHnswHeader(await readExactly(file, HNSW_HEADER_BYTES, 0, path));
  } finally {
    await file.close();
  }
}

/** Base elements per chunk of records. */
function recordsPerChunk(header: HnswFileHeader, chunkBytes: number): number {
  return Math.max(1, Math.floor(chunkBytes / header.recordBytes));
}

/** A graph file's patch over its first `baseElements` elements, before any of it is read. */
interface PatchPlan {
  readonly graphPath: string;
  readonly baseElements: number;
  /** The graph file's header, as read. */
  readonly headerBytes: Buffer;
  readonly header: HnswFileHeader;
  /** Bytes of the graph file. */
  readonly fileBytes: number;
  /** Bytes of the patch. */
  readonly bytes: number;
}

async function planPatch(graphPath: string, baseElements: number): Promise<PatchPlan> {
  const graph = await open(graphPath, "r");
  try {
    const headerBytes = await readExactly(graph, HNSW_HEADER_BYTES, 0, graphPath);
    const header = readHnswHeader(headerBytes);
    if (header.elements < baseElements) {
      throw new GraphFileFormatError(
        `${graphPath} holds ${header.elements} elements, fewer than its base's ${baseElements}`,
      );
    }
    const { size } = await graph.stat();
    const bytes = patchBytes(header, baseElements, size);
    return { graphPath, baseElements, headerBytes, header, fileBytes: size, bytes };
  } finally {
    await graph.close();
  }
}

/** The bytes of `plan`'s patch, read from its graph file chunk by chunk (each a new buffer). */
async function* patchChunks(plan: PatchPlan, chunkBytes: number): AsyncGenerator<Buffer> {
  const { header, baseElements } = plan;
  const prefix = Buffer.alloc(PATCH_PREFIX_BYTES);
  prefix.write(PATCH_MAGIC, 0, "latin1");
  prefix.writeBigUInt64LE(BigInt(baseElements), PATCH_MAGIC.length);
  plan.headerBytes.copy(prefix, PATCH_MAGIC.length + 8);
  yield prefix;
  const graph = await open(plan.graphPath, "r");
  try {
    const per = recordsPerChunk(header, chunkBytes);
    const records = Buffer.alloc(per * header.recordBytes);
    for (let first = 0; first < baseElements; first += per) {
      const count = Math.min(per, baseElements - first);
      const span = count * header.recordBytes;
      const { bytesRead } = await graph.read(records, 0, span, recordOffset(header, first));
      if (bytesRead !== span) throw new GraphFileFormatError(`${plan.graphPath} ends early`);
      const links = Buffer.alloc(count * header.linkBytes);
      for (let i = 0; i < count; i++) {
        const at = i * header.recordBytes;
        records.copy(links, i * header.linkBytes, at, at + header.linkBytes);
      }
      yield links;
    }
    const tail = recordOffset(header, baseElements);
    for (let at = tail; at < plan.fileBytes; ) {
      const chunk = Buffer.alloc(Math.min(chunkBytes, plan.fileBytes - at));
      const { bytesRead } = await graph.read(chunk, 0, chunk.length, at);
      if (bytesRead !== chunk.length)
        throw new GraphFileFormatError(`${plan.graphPath} ends early`);
      yield chunk;
      at += bytesRead;
    }
  } finally {
    await graph.close();
  }
}

/**
 * Writes to `patchPath` the patch that turns the base (the graph's first `baseElements`
 * elements, as the graph was caught up from) into the graph file at `graphPath`.
 * Returns the patch's size in bytes.
 */
export async function writeGraphPatch(
  graphPath: string,
  baseElements: number,
  patchPath: string,
  { chunkBytes = CHUNK_BYTES }: PatchIo = {},
): Promise<number> {
  const plan = await planPatch(graphPath, baseElements);
  await pipeline(Readable.from(patchChunks(plan, chunkBytes)), createWriteStream(patchPath));
  return plan.bytes;
}

/** Reads exact byte counts from a stream of chunks. */
class ByteReader {
  private buffered: Buffer[] = [];
  private bytes = 0;
  private readonly source: AsyncIterator<Uint8Array>;

  constructor(
    source: AsyncIterable<Uint8Array>,
    private readonly name: string,
  ) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** The next `count` bytes; fails naming `what` if the stream ends first. */
  async exactly(count: number, what: string): Promise<Buffer> {
    while (this.bytes < count) {
      const next = await this.source.next();
      if (next.done) {
        throw new GraphFileFormatError(
          `${this.name} ends early: ${what} needs ${count} bytes, ${this.bytes} are left`,
        );
      }
      const chunk = next.value;
      this.buffered.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      this.bytes += chunk.byteLength;
    }
    const all =
      this.buffered.length === 1
        ? (this.buffered[0] as Buffer)
        : Buffer.concat(this.buffered, this.bytes);
    const rest = all.subarray(count);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bytes = rest.length;
    return all.subarray(0, count);
  }

  /** Everything left, chunk by chunk. */
  async *rest(): AsyncGenerator<Buffer> {
    yield* this.buffered;
    this.buffered = [];
    this.bytes = 0;
    for (let next = await this.source.next(); !next.done; next = await this.source.next()) {
      yield Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    }
  }

  /** Stops the stream (its download, if any) without reading the rest. */
  async stop(): Promise<void> {
    await this.source.return?.();
  }
}

/**
 * Writes to `graphPath` the graph file that the patch streamed from `patchSource` makes of the
 * base streamed from `baseSource`, as both arrive: neither is stored first, and only the base's
 * records are read from it.
 */
async function applyPatchStreams(
  baseSource: ByteReader,
  patchSource: ByteReader,
  graphPath: string,
  chunkBytes: number,
): Promise<void> {
  const graph = await open(graphPath, "w");
  try {
    const prefix = await patchSource.exactly(PATCH_PREFIX_BYTES, "the patch's prefix");
    const magic = prefix.toString("latin1", 0, PATCH_MAGIC.length);
    if (magic !== PATCH_MAGIC) {
      throw new GraphFileFormatError(
        `not a graph patch: starts with ${JSON.stringify(magic)}, expected ${JSON.stringify(PATCH_MAGIC)}`,
      );
    }
    const baseElements = Number(prefix.readBigUInt64LE(PATCH_MAGIC.length));
    const headerBytes = prefix.subarray(PATCH_MAGIC.length + 8);
    const header = readHnswHeader(headerBytes);
    const baseHeader = readHnswHeader(
      await baseSource.exactly(HNSW_HEADER_BYTES, "the base's header"),
    );
    if (
      baseHeader.elements !== baseElements ||
      baseHeader.recordBytes !== header.recordBytes ||
      baseHeader.linkBytes !== header.linkBytes
    ) {
      throw new GraphFileFormatError(
        `not this patch's base: it has ${baseHeader.elements} elements of ${baseHeader.recordBytes} bytes (${baseHeader.linkBytes} of links); the patch expects ${baseElements} of ${header.recordBytes} (${header.linkBytes})`,
      );
    }
    await graph.write(headerBytes);
    const per = recordsPerChunk(header, chunkBytes);
    for (let first = 0; first < baseElements; first += per) {
      const count = Math.min(per, baseElements - first);
      const [records, links] = await Promise.all([
        baseSource.exactly(count * header.recordBytes, "the base's records"),
        patchSource.exactly(count * header.linkBytes, "the patch's links"),
      ]);
      for (let i = 0; i < count; i++) {
        const from = i * header.linkBytes;
        links.copy(records, i * header.recordBytes, from, from + header.linkBytes);
      }
      await graph.write(records);
    }
    let tail = 0;
    for await (const chunk of patchSource.rest()) {
      await graph.write(chunk);
      tail += chunk.length;
    }
    const newRecords = (header.elements - baseElements) * header.recordBytes;
    if (tail < newRecords) {
      throw new GraphFileFormatError(
        `the patch holds ${tail} bytes after its links; its ${header.elements - baseElements} new elements need ${newRecords}`,
      );
    }
  } finally {
    await graph.close();
    await Promise.all([baseSource.stop(), patchSource.stop()]);
  }
}

/** Writes to `graphPath` the graph file the patch at `patchPath` makes of the base at `basePath`. */
export async function applyGraphPatch(
  basePath: string,
  patchPath: string,
  graphPath: string,
  { chunkBytes = CHUNK_BYTES }: PatchIo = {},
): Promise<void> {
  const read = (path: string) => createReadStream(path, { highWaterMark: chunkBytes });
  await applyPatchStreams(
    new ByteReader(read(basePath), basePath),
    new ByteReader(read(patchPath), patchPath),
    graphPath,
    chunkBytes,
  );
}

/**
 * Streams the graph `ref` into a file at `path`: the file itself, or its base and its patch
 * (both downloading at once) made into it as they arrive. `false` when an object is missing.
 */
export async function downloadGraph(blobs: BlobStore, ref: GraphRef, path: string) {
  const base = ref.graph_base;
  if (!base) return blobs.getToFile(ref.graph_key, path);
  const [baseStream, patchStream] = await Promise.all([
    blobs.getStream(base.key),
    blobs.getStream(ref.graph_key),
  ]);
  const readers = [
    baseStream && new ByteReader(baseStream, base.key),
    patchStream && new ByteReader(patchStream, ref.graph_key),
  ];
  const [baseReader, patchReader] = readers;
  if (!baseReader || !patchReader) {
    await Promise.all(readers.map((r) => r?.stop()));
    return false;
  }
  await applyPatchStreams(baseReader, patchReader, path, CHUNK_BYTES);
  return true;
}

/**
 * A caught-up graph is stored as a patch over its base while the patch is at most this share of
 * the whole file (else whole, and it becomes the base of the next ones). Loading a patched
 * graph reads the base and the patch, so the share bounds what a load reads beyond the file.
 */
export const MAX_PATCH_FRACTION = 0.5;

/**
 * Stores the graph file at `path` as `key`: as a patch over `base` (the whole graph it was caught
 * up from) when the patch is at most {@link MAX_PATCH_FRACTION} of the file, else whole.
 * Returns the base the stored object needs, or `undefined` when it was stored whole.
 */
export async function uploadGraph(
  blobs: BlobStore,
  key: string,
  path: string,
  base: GraphBase | undefined,
): Promise<GraphBase | undefined> {
  if (base) {
    const plan = await planPatch(path, base.elements);
    if (plan.bytes <= MAX_PATCH_FRACTION * plan.fileBytes) {
      // Streamed as it is cut from the file: the patch never lands on disk.
      await blobs.putStream(key, patchChunks(plan, CHUNK_BYTES), plan.bytes, OCTETS);
      return base;
    }
  }
  await blobs.putFile(key, path, OCTETS);
  return undefined;
}
