import { createWriteStream } from "node:fs";
import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from "@aws-sdk/client-s3";
import pLimit from "p-limit";

/**
 * Default of {@link RangedDownload}'s `partBytes`: 8 MiB, the low end of the 8–16 MB ranges AWS's
 * S3 performance guide gives as typical for byte-range fetches.
 */
export const DOWNLOAD_PART_BYTES = 8 * 1024 * 1024;

/** Default of {@link RangedDownload}'s `concurrency`. */
export const DOWNLOAD_CONCURRENCY = 8;

/** How one object is downloaded. */
export interface RangedDownload {
  /** Bytes of each ranged GET (default {@link DOWNLOAD_PART_BYTES}). */
  readonly partBytes?: number;
  /** Ranged GETs in flight at once (default {@link DOWNLOAD_CONCURRENCY}). */
  readonly concurrency?: number;
}

function bodyOf(out: GetObjectCommandOutput): Readable {
  return (out.Body as Readable | undefined) ?? Readable.from([]);
}

/** The first `bytes` bytes of `body`; the rest is never read (the download stops). */
async function* firstBytes(body: Readable, bytes: number): AsyncGenerator<Uint8Array> {
  let left = bytes;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    yield chunk.byteLength <= left ? chunk : chunk.subarray(0, left);
    left -= chunk.byteLength;
    if (left <= 0) break; // ends the iteration, which destroys the body
  }
}

/** Writes `body` into the file at `path` from byte `start` on (1 MiB buffered per write). */
function writeAt(body: Readable, path: string, start: number): Promise<void> {
  return pipeline(body, createWriteStream(path, { flags: "r+", start, highWaterMark: 1 << 20 }));
}

/**
 * Downloads object `key` into the file at `path`, a large one as ranged GETs of `partBytes`,
 * `concurrency` of them at once, each written at its offset as it arrives: S3 serves one
 * connection at a bounded rate, and parallel byte-range fetches are how AWS's performance guide
 * says to read a large object faster (the AWS CRT client splits its downloads the same way).
 *
 * The first GET asks for the whole object (no range: S3 refuses any range of an empty object,
 * and the emulator mishandles it), and its answer gives the size and ETag. An object of at most
 * two parts comes whole through it; otherwise it gives the first part and stops, and the other
 * parts are asked for `If-Match` that ETag, so a replaced object fails the download rather than
 * mixing two versions.
 *
 * Resolves `false` when there is nothing at `key` (`isMissing` tells that error from others),
 * or `true` once every byte is in the file. On a failure, the other parts are aborted and have
 * stopped writing before it rejects with the first error.
 */
export async function downloadToFile(
  s3: S3Client,
  bucket: string,
  key: string,
  path: string,
  isMissing: (err: unknown) => boolean,
  { partBytes = DOWNLOAD_PART_BYTES, concurrency = DOWNLOAD_CONCURRENCY }: RangedDownload = {},
): Promise<boolean> {
  const abort = new AbortController();
  const get = (range?: string, etag?: string) =>
    s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(range ? { Range: range } : {}),
        ...(etag ? { IfMatch: etag } : {}),
      }),
      { abortSignal: abort.signal },
    );
  let first: GetObjectCommandOutput;
  try {
    first = await get();
  } catch (err) {
    if (isMissing(err)) return false;
    throw err;
  }
  // Create (or empty) the file; each part then writes its own span of it.
  await (await open(path, "w")).close();
  const total = first.ContentLength;
  if (total === undefined || total <= 2 * partBytes) {
    await writeAt(bodyOf(first), path, 0);
    return true;
  }
  const limit = pLimit(concurrency);
  const starts: number[] = [];
  for (let start = partBytes; start < total; start += partBytes) starts.push(start);
  let failure: { readonly error: unknown } | undefined;
  const parts = [
    limit(() => writeAt(Readable.from(firstBytes(bodyOf(first), partBytes)), path, 0)),
    ...starts.map((start) =>
      limit(async () => {
        if (failure) return;
        const end = Math.min(total, start + partBytes) - 1;
        const out = await get(`bytes=${start}-${end}`, first.ETag);
        await writeAt(bodyOf(out), path, start);
      }),
    ),
  ].map((part) =>
    part.catch((error: unknown) => {
      // The first failure is the one reported; it aborts the parts still downloading.
      failure ??= { error };
      abort.abort();
    }),
  );
  // Every part settles before this returns, so nothing writes to the file after the caller
  // sees the error.
  await Promise.all(parts);
  if (failure) throw failure.error;
  return true;
}
