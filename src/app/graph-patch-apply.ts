import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import {
  GraphFileFormatError,
  HNSW_HEADER_BYTES,
  PATCH_PREFIX_BYTES,
  type PatchPrefix,
  patchParts,
  readHnswHeader,
  readPatchPrefix,
  recordOffset,
} from "../domain/hnsw-file";
import type { GraphRef } from "../domain/index-record";
import { CHUNK_BYTES, type PatchIo } from "./graph-patch";
import type { BlobStore, ByteRange } from "./ports";

// A graph patch applied to its base (layout in ../domain/hnsw-file.ts): the graph file the
// catch-up wrote, byte for byte, made as the base and the patch stream in, with no copy of either
// on disk and memory bounded by the chunk size.

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

  /**
   * The next `count` bytes (sharing memory with the stream's chunks, which a stream never reuses
   * once handed over); fails naming `what` if the stream ends first.
   */
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

  /**
   * The next bytes as they come, at most `max` (at least one): what is buffered, else the
   * stream's next chunk, never copied; if the stream has ended, fails saying `why` it should not.
   */
  async some(max: number, why: string): Promise<Buffer> {
    if (this.bytes === 0) {
      const next = await this.source.next();
      if (next.done) throw new GraphFileFormatError(`${this.name} ends early: ${why}`);
      const chunk = next.value;
      this.buffered = [Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)];
      this.bytes = chunk.byteLength;
    }
    const first = this.buffered[0] as Buffer;
    const taken = first.subarray(0, Math.min(max, first.length));
    if (taken.length === first.length) this.buffered.shift();
    else this.buffered[0] = first.subarray(taken.length);
    this.bytes -= taken.length;
    return taken;
  }

  /** Stops the stream (its download, if any) without reading the rest. */
  async stop(): Promise<void> {
    await this.source.return?.();
  }
}

/** The streams a patched graph is made from (see {@link patchParts}). */
interface PatchSources {
  readonly base: AsyncIterable<Uint8Array>;
  readonly links: AsyncIterable<Uint8Array>;
  readonly tail: AsyncIterable<Uint8Array>;
}

/**
 * Writes to `graphPath` the graph file `prefix`'s patch makes of its base, from the streams of
 * the base's records, the patch's links and the patch's tail, all three as they arrive: the
 * base's records with their new links go to the front of the file, the tail to its end, at once.
 */
async function assemble(
  prefix: PatchPrefix,
  sources: PatchSources,
  names: { base: string; patch: string },
  graphPath: string,
  chunkBytes: number,
): Promise<void> {
  const { header, baseElements, headerBytes } = prefix;
  const base = new ByteReader(sources.base, names.base);
  const links = new ByteReader(sources.links, names.patch);
  const tail = sources.tail[Symbol.asyncIterator]();
  const graph = await open(graphPath, "w");
  /** Positioned writes, each overlapping the reading of the next chunk. */
  const writer = () => {
    let writing: Promise<unknown> = Promise.resolve();
    return {
      async write(bytes: Uint8Array, position: number) {
        await writing;
        writing = graph.write(bytes, 0, bytes.length, position);
        // Seen by the next write or by done(); never an unhandled rejection if neither comes.
        writing.catch(() => undefined);
      },
      async writev(buffers: Buffer[], position: number) {
        await writing;
        writing = graph.writev(buffers, position);
        writing.catch(() => undefined);
      },
      done: () => writing,
    };
  };
  const [frontOut, backOut] = [writer(), writer()];
  const front = async () => {
    const out = frontOut;
    const baseHeader = readHnswHeader(await base.exactly(HNSW_HEADER_BYTES, "the base's header"));
    if (
      baseHeader.elements !== baseElements ||
      baseHeader.recordBytes !== header.recordBytes ||
      baseHeader.linkBytes !== header.linkBytes
    ) {
      throw new GraphFileFormatError(
        `${names.base} is not this patch's base: it has ${baseHeader.elements} elements of ${baseHeader.recordBytes} bytes (${baseHeader.linkBytes} of links); the patch expects ${baseElements} of ${header.recordBytes} (${header.linkBytes})`,
      );
    }
    await out.write(headerBytes, 0);
    // Each chunk of the base's records gets the new links of the records it holds (in place: the
    // stream's chunks are ours) and is written where it came from, gathered into writes of about
    // `chunkBytes`. Links are read just ahead of the records that need them.
    const { recordBytes, linkBytes } = header;
    const recordsEnd = recordOffset(header, baseElements);
    let linkBlocks: Buffer = Buffer.alloc(0);
    let linksFrom = 0; // the element whose links start `linkBlocks`
    let batch: Buffer[] = [];
    let batchAt = HNSW_HEADER_BYTES;
    let batchBytes = 0;
    for (let at = HNSW_HEADER_BYTES; at < recordsEnd; ) {
      const chunk = await base.some(
        recordsEnd - at,
        `its records end at byte ${at}, the patch expects ${recordsEnd}`,
      );
      const first = Math.floor((at - HNSW_HEADER_BYTES) / recordBytes);
      const last = Math.floor((at + chunk.length - 1 - HNSW_HEADER_BYTES) / recordBytes);
      const have = linksFrom + linkBlocks.length / linkBytes;
      if (last >= have) {
        const more = await links.exactly((last + 1 - have) * linkBytes, "the patch's links");
        const kept = linkBlocks.subarray((first - linksFrom) * linkBytes);
        linkBlocks = kept.length > 0 ? Buffer.concat([kept, more]) : more;
        linksFrom = first;
      }
      for (let element = first; element <= last; element++) {
        const start = recordOffset(header, element);
        const from = Math.max(start, at);
        const to = Math.min(start + linkBytes, at + chunk.length);
        if (from >= to) continue;
        const block = (element - linksFrom) * linkBytes;
        linkBlocks.copy(chunk, from - at, block + from - start, block + to - start);
      }
      batch.push(chunk);
      batchBytes += chunk.length;
      at += chunk.length;
      if (batchBytes >= chunkBytes || at === recordsEnd) {
        await out.writev(batch, batchAt);
        batch = [];
        batchAt = at;
        batchBytes = 0;
      }
    }
    await out.done();
  };
  const back = async () => {
    const out = backOut;
    let at = recordOffset(header, baseElements);
    for (let next = await tail.next(); !next.done; next = await tail.next()) {
      await out.write(
        Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength),
        at,
      );
      at += next.value.byteLength;
    }
    await out.done();
    const tailBytes = at - recordOffset(header, baseElements);
    const newRecords = (header.elements - baseElements) * header.recordBytes;
    if (tailBytes < newRecords) {
      throw new GraphFileFormatError(
        `${names.patch} holds ${tailBytes} bytes after its links; its ${header.elements - baseElements} new elements need ${newRecords}`,
      );
    }
  };
  const stopAll = async () => {
    await Promise.all([base.stop(), links.stop(), tail.return?.()]);
  };
  // The first failure is the cause: it stops every download, so the other side ends at once
  // (and fails only for that).
  let cause: { error: unknown } | undefined;
  const fail = async (error: unknown) => {
    cause ??= { error };
    await stopAll();
  };
  try {
    await Promise.all([front().catch(fail), back().catch(fail)]);
    if (cause) throw cause.error;
  } finally {
    await Promise.allSettled([frontOut.done(), backOut.done()]);
    await graph.close();
    await stopAll();
  }
}

/** Writes to `graphPath` the graph file the patch at `patchPath` makes of the base at `basePath`. */
export async function applyGraphPatch(
  basePath: string,
  patchPath: string,
  graphPath: string,
  { chunkBytes = CHUNK_BYTES }: PatchIo = {},
): Promise<void> {
  const patch = await open(patchPath, "r");
  let prefix: PatchPrefix;
  try {
    const { bytesRead, buffer } = await patch.read(
      Buffer.alloc(PATCH_PREFIX_BYTES),
      0,
      PATCH_PREFIX_BYTES,
      0,
    );
    prefix = readPatchPrefix(buffer.subarray(0, bytesRead), patchPath);
  } finally {
    await patch.close();
  }
  const parts = patchParts(prefix);
  const read = (path: string, range: ByteRange) =>
    createReadStream(path, {
      highWaterMark: chunkBytes,
      start: range.start ?? 0,
      ...(range.end !== undefined ? { end: range.end - 1 } : {}),
    });
  await assemble(
    prefix,
    {
      base: read(basePath, parts.base),
      links: read(patchPath, parts.links),
      tail: read(patchPath, parts.tail),
    },
    { base: basePath, patch: patchPath },
    graphPath,
    chunkBytes,
  );
}

/**
 * Streams the graph `ref` into a file at `path`: the file itself, or, for a patch, its prefix
 * first, then the base's records, the patch's links and its tail all downloading at once, made
 * into the file as they arrive. `false` when an object is missing.
 */
export async function downloadGraph(blobs: BlobStore, ref: GraphRef, path: string) {
  const base = ref.graph_base;
  if (!base) return blobs.getToFile(ref.graph_key, path);
  const prefixBytes = await blobs.getRange(ref.graph_key, 0, PATCH_PREFIX_BYTES);
  if (!prefixBytes) return false;
  const prefix = readPatchPrefix(prefixBytes, ref.graph_key);
  const parts = patchParts(prefix);
  const streams = await Promise.all([
    blobs.getStream(base.key, parts.base),
    blobs.getStream(ref.graph_key, parts.links),
    blobs.getStream(ref.graph_key, parts.tail),
  ]);
  const [baseStream, links, tail] = streams;
  if (!baseStream || !links || !tail) {
    await Promise.all(streams.map((s) => s?.[Symbol.asyncIterator]().return?.()));
    return false;
  }
  await assemble(
    prefix,
    { base: baseStream, links, tail },
    { base: base.key, patch: ref.graph_key },
    path,
    CHUNK_BYTES,
  );
  return true;
}
