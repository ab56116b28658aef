import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import pLimit from "p-limit";
import {
  GraphFileFormatError,
  HNSW_HEADER_BYTES,
  PATCH_PREFIX_BYTES,
  type PatchPrefix,
  patchSliceParts,
  patchSlices,
  patchTail,
  readHnswHeader,
  readPatchPrefix,
  recordOffset,
} from "../domain/hnsw-file";
import type { GraphRef } from "../domain/index-record";
import { ByteReader } from "./byte-reader";
import { CHUNK_BYTES, type PatchIo } from "./graph-patch";
import { type Writer, writer, writeSlice } from "./patch-slice-writer";
import type { BlobStore, ByteRange } from "./ports";

// A graph patch applied to its base (layout in ../domain/hnsw-file.ts): the graph file the
// catch-up wrote, byte for byte, made as the base and the patch stream in, with no copy of either
// on disk and memory bounded by the chunk size times the slices made at once.

/**
 * Default of {@link PatchApplyIo}'s `sliceBytes`: 64 MiB of base records a slice. A base up to
 * that loads as one slice: on the emulator, 8 MiB slices of a 26 MB base cost 0.98–1.45× one
 * slice (bench `downloads`), while the streams of several slices at once are for large bases on
 * S3, whose connections each serve at a bounded rate.
 */
export const SLICE_BYTES = 64 * 1024 * 1024;

/** Default of {@link PatchApplyIo}'s `concurrency`. */
export const SLICE_CONCURRENCY = 8;

/** How a patch is applied. */
export interface PatchApplyIo extends PatchIo {
  /**
   * Bytes of base records each slice of the front of the file is made from, with streams of its
   * own (default {@link SLICE_BYTES}).
   */
  readonly sliceBytes?: number;
  /** Slices made at once (default {@link SLICE_CONCURRENCY}). */
  readonly concurrency?: number;
}

/** The streams one slice of the base's elements is made from (see {@link patchSliceParts}). */
interface SliceStreams {
  readonly base: AsyncIterable<Uint8Array>;
  readonly links: AsyncIterable<Uint8Array>;
}

/** The streams a patched graph is made from. */
interface PatchSources {
  /** The first slice's streams, opened (the base's header comes first in its base stream). */
  readonly first: SliceStreams;
  /** Opens the streams of base elements `[first, end)`. */
  open(first: number, end: number): Promise<SliceStreams>;
  readonly tail: AsyncIterable<Uint8Array>;
}

/**
 * Writes to `graphPath` the graph file `prefix`'s patch makes of its base. The front of the file
 * (the base's records with their new links) is made in slices of about `sliceBytes` of records,
 * `concurrency` at once, each from streams of its own; the tail goes to the end of the file at
 * the same time. Every stream is written as it arrives. The first failure stops every stream.
 */
async function assemble(
  prefix: PatchPrefix,
  sources: PatchSources,
  names: { base: string; patch: string },
  graphPath: string,
  {
    chunkBytes = CHUNK_BYTES,
    sliceBytes = SLICE_BYTES,
    concurrency = SLICE_CONCURRENCY,
  }: PatchApplyIo,
): Promise<void> {
  const { header, baseElements, headerBytes } = prefix;
  const readers = new Set<{ stop(): Promise<void> }>();
  const reader = (source: AsyncIterable<Uint8Array>, name: string) => {
    const made = new ByteReader(source, name);
    readers.add(made);
    return made;
  };
  const firstStreams = {
    base: reader(sources.first.base, names.base),
    links: reader(sources.first.links, names.patch),
  };
  const tail = sources.tail[Symbol.asyncIterator]();
  readers.add({ stop: async () => void (await tail.return?.()) });
  const graph = await open(graphPath, "w").catch(async (err: unknown) => {
    await Promise.all([...readers].map((r) => r.stop()));
    throw err;
  });
  const writers: Writer[] = [];
  const writerOf = () => {
    const made = writer(graph);
    writers.push(made);
    return made;
  };
  // The first failure is the cause: it stops every stream, so the other parts end at once (and
  // fail only for that), and no slice starts after it.
  let cause: { error: unknown } | undefined;
  const stopAll = () => Promise.all([...readers].map((r) => r.stop()));
  const fail = async (error: unknown) => {
    cause ??= { error };
    await stopAll();
  };
  const front = async () => {
    const baseHeader = readHnswHeader(
      await firstStreams.base.exactly(HNSW_HEADER_BYTES, "the base's header"),
    );
    if (
      baseHeader.elements !== baseElements ||
      baseHeader.recordBytes !== header.recordBytes ||
      baseHeader.linkBytes !== header.linkBytes
    ) {
      throw new GraphFileFormatError(
        `${names.base} is not this patch's base: it has ${baseHeader.elements} elements of ${baseHeader.recordBytes} bytes (${baseHeader.linkBytes} of links); the patch expects ${baseElements} of ${header.recordBytes} (${header.linkBytes})`,
      );
    }
    await writerOf().write(headerBytes, 0);
    const limit = pLimit(concurrency);
    await Promise.all(
      patchSlices(prefix, sliceBytes).map((slice, i) =>
        limit(async () => {
          if (cause) return;
          const streams =
            i === 0
              ? firstStreams
              : await sources.open(...slice).then((opened) => ({
                  base: reader(opened.base, names.base),
                  links: reader(opened.links, names.patch),
                }));
          // A stream opened as the failure came is stopped with the rest.
          if (cause) return void (await stopAll());
          await writeSlice(header, slice, streams, writerOf(), chunkBytes);
        }).catch(fail),
      ),
    );
  };
  const back = async () => {
    const out = writerOf();
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
  try {
    await Promise.all([front().catch(fail), back().catch(fail)]);
    if (cause) throw cause.error;
  } finally {
    await Promise.allSettled(writers.map((w) => w.done()));
    await graph.close();
    await stopAll();
  }
}

/** Writes to `graphPath` the graph file the patch at `patchPath` makes of the base at `basePath`. */
export async function applyGraphPatch(
  basePath: string,
  patchPath: string,
  graphPath: string,
  io: PatchApplyIo = {},
): Promise<void> {
  const chunkBytes = io.chunkBytes ?? CHUNK_BYTES;
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
  const read = (path: string, range: ByteRange) =>
    createReadStream(path, {
      highWaterMark: chunkBytes,
      start: range.start ?? 0,
      ...(range.end !== undefined ? { end: range.end - 1 } : {}),
    });
  const slice = (first: number, end: number): SliceStreams => {
    const parts = patchSliceParts(prefix, first, end);
    return { base: read(basePath, parts.base), links: read(patchPath, parts.links) };
  };
  const [first] = patchSlices(prefix, io.sliceBytes ?? SLICE_BYTES);
  await assemble(
    prefix,
    {
      first: slice(...(first as [number, number])),
      open: async (from, end) => slice(from, end),
      tail: read(patchPath, patchTail(prefix)),
    },
    { base: basePath, patch: patchPath },
    graphPath,
    io,
  );
}

/**
 * Streams the graph `ref` into a file at `path`: the file itself (ranged GETs, see
 * `BlobStore.getToFile`), or, for a patch, its prefix first, then the base's records with the
 * patch's links in slices of ranged streams, and the patch's tail, all downloading at once,
 * made into the file as they arrive. `false` when an object is missing.
 */
export async function downloadGraph(
  blobs: BlobStore,
  ref: GraphRef,
  path: string,
  io: PatchApplyIo = {},
) {
  const base = ref.graph_base;
  if (!base) return blobs.getToFile(ref.graph_key, path);
  const prefixBytes = await blobs.getRange(ref.graph_key, 0, PATCH_PREFIX_BYTES);
  if (!prefixBytes) return false;
  const prefix = readPatchPrefix(prefixBytes, ref.graph_key);
  const open = async (first: number, end: number) => {
    const parts = patchSliceParts(prefix, first, end);
    const streams = await Promise.all([
      blobs.getStream(base.key, parts.base),
      blobs.getStream(ref.graph_key, parts.links),
    ]);
    return { base: streams[0], links: streams[1] };
  };
  const [firstSlice] = patchSlices(prefix, io.sliceBytes ?? SLICE_BYTES);
  const [first, tail] = await Promise.all([
    open(...(firstSlice as [number, number])),
    blobs.getStream(ref.graph_key, patchTail(prefix)),
  ]);
  if (!first.base || !first.links || !tail) {
    const opened = [first.base, first.links, tail];
    await Promise.all(opened.map((s) => s?.[Symbol.asyncIterator]().return?.()));
    return false;
  }
  await assemble(
    prefix,
    {
      first: { base: first.base, links: first.links },
      open: async (from, end) => {
        const more = await open(from, end);
        if (!more.base || !more.links) {
          await Promise.all(
            [more.base, more.links].map((s) => s?.[Symbol.asyncIterator]().return?.()),
          );
          throw new Error(`${base.key} or ${ref.graph_key} went missing while it downloaded`);
        }
        return { base: more.base, links: more.links };
      },
      tail,
    },
    { base: base.key, patch: ref.graph_key },
    path,
    io,
  );
  return true;
}
