import { createWriteStream } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  encodePatchPrefix,
  GraphFileFormatError,
  HNSW_HEADER_BYTES,
  type HnswFileHeader,
  patchBytes,
  readHnswHeader,
  recordOffset,
} from "../domain/hnsw-file";
import type { GraphBase } from "../domain/index-record";
import type { BlobStore } from "./ports";

// Graph patches (layout in ../domain/hnsw-file.ts), cut from a caught-up graph file (into a file,
// or straight into an upload) in bounded chunks, so memory stays flat whatever the graph's size.
// Applying one to its base: ./graph-patch-apply.ts.

/** Content type of stored graphs and patches. */
const OCTETS = "application/octet-stream";

/** Bytes read or written at once (default). */
export const CHUNK_BYTES = 4 << 20;

/** How a patch is streamed. */
export interface PatchIo {
  /** Bytes read or written at once (default 4 MiB; at least one record is). */
  readonly chunkBytes?: number;
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
  yield Buffer.from(encodePatchPrefix(baseElements, plan.headerBytes));
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
