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

/** A GET's body as a stream (an empty one when S3 sent none). */
export function bodyOf(out: GetObjectCommandOutput): Readable {
  return (out.Body as Readable | undefined) ?? Readable.from([]);
}

/**
 * The first `bytes` bytes of `body`, checked to be all there; with `stop`, the rest is never read
 * (ending the iteration destroys the body, so the download stops), else it must be all there is.
 */
async function* exactly(
  body: Readable,
  bytes: number,
  what: string,
  stop = false,
): AsyncGenerator<Uint8Array> {
  let got = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    const left = bytes - got;
    if (chunk.byteLength > left && !stop) {
      throw new Error(`${what}: more than the ${bytes} bytes expected came`);
    }
    yield chunk.byteLength <= left ? chunk : chunk.subarray(0, left);
    got += Math.min(chunk.byteLength, left);
    if (got === bytes && stop) return;
  }
  if (got !== bytes) throw new Error(`${what}: expected ${bytes} bytes, ${got} came`);
}

/** Writes `bytes` into the file at `path` from byte `start` on (1 MiB buffered per write). */
function writeAt(bytes: AsyncIterable<Uint8Array>, path: string, start: number): Promise<void> {
  return pipeline(
    Readable.from(bytes),
    createWriteStream(path, { flags: "r+", start, highWaterMark: 1 << 20 }),
  );
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
  try {
    await (await open(path, "w")).close();
  } catch (err) {
    bodyOf(first).destroy(); // stop the download
    throw err;
  }
  const total = first.ContentLength;
  const part = (start: number, end: number) => `${key} bytes ${start}-${end - 1}`;
  if (total === undefined) {
    // No size given (S3 always gives one): the body as it comes.
    await writeAt(bodyOf(first), path, 0);
    return true;
  }
  if (total <= 2 * partBytes) {
    await writeAt(exactly(bodyOf(first), total, part(0, total)), path, 0);
    return true;
  }
  const limit = pLimit(concurrency);
  const starts: number[] = [];
  for (let start = partBytes; start < total; start += partBytes) starts.push(start);
  let failure: { readonly error: unknown } | undefined;
  const parts = [
    limit(() => writeAt(exactly(bodyOf(first), partBytes, part(0, partBytes), true), path, 0)),
    ...starts.map((start) =>
      limit(async () => {
        if (failure) return;
        const end = Math.min(total, start + partBytes);
        const out = await get(`bytes=${start}-${end - 1}`, first.ETag);
        await writeAt(exactly(bodyOf(out), end - start, part(start, end)), path, start);
      }),
    ),
  ].map((running) =>
    running.catch((error: unknown) => {
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
