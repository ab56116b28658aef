import type { FileHandle } from "node:fs/promises";
import { HNSW_HEADER_BYTES, type HnswFileHeader, recordOffset } from "../domain/hnsw-file";
import type { ByteReader } from "./byte-reader";

// The front of a patched graph file, one slice of base elements at a time (see
// ./graph-patch-apply.ts): records from the base with their new links from the patch.

/** Positioned writes to `graph`, each overlapping the reading of the next chunk. */
export function writer(graph: FileHandle) {
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
}

/** A file's positioned writer, as {@link writer} makes it. */
export type Writer = ReturnType<typeof writer>;

/**
 * Writes base elements `[first, end)` (their records from `base`, positioned at the first one,
 * with their new links from `links`, positioned likewise) where they go in the graph file: each
 * chunk of records gets the new links of the records it holds (in place: the stream's chunks are
 * ours) and is written where it came from, gathered into writes of about `chunkBytes`. Links are
 * read just ahead of the records that need them.
 */
export async function writeSlice(
  header: HnswFileHeader,
  [firstElement, endElement]: [number, number],
  { base, links }: { base: ByteReader; links: ByteReader },
  out: Writer,
  chunkBytes: number,
): Promise<void> {
  const { recordBytes, linkBytes } = header;
  const recordsEnd = recordOffset(header, endElement);
  let linkBlocks: Buffer = Buffer.alloc(0);
  let linksFrom = firstElement; // the element whose links start `linkBlocks`
  let batch: Buffer[] = [];
  let batchAt = recordOffset(header, firstElement);
  let batchBytes = 0;
  for (let at = batchAt; at < recordsEnd; ) {
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
}
