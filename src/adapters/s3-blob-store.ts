import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { Readable } from "node:stream";
import {
  CopyObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { BlobStore, ByteRange } from "../app/ports";
import { bodyOf, downloadToFile, type RangedDownload } from "./s3-ranged-download";

/** Bytes this process wrote to S3 (objects put, files uploaded), for benchmarks. */
let bytesWritten = 0;
/**
 * Bytes this process has written to S3 so far (objects put, files uploaded): benchmarks read it
 * before and after a run.
 */
export function s3BytesWritten(): number {
  return bytesWritten;
}

/** Part size of streamed uploads: a graph under it goes up in one PUT. */
const UPLOAD_PART_BYTES = 64 * 1024 * 1024;

function isMissing(err: unknown): boolean {
  return err instanceof NoSuchKey || (err as { name?: string }).name === "NoSuchKey";
}

function isPastEnd(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "InvalidRange" || e.$metadata?.httpStatusCode === 416;
}

/** {@link BlobStore} on one S3 bucket. */
export class S3BlobStore implements BlobStore {
  /**
   * @param download how {@link getToFile} splits a download (default: 8 MiB ranges, 8 at once)
   */
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly download: RangedDownload = {},
  ) {}

  async put(key: string, body: Uint8Array | string, contentType: string): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
    bytesWritten += typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
  }

  async putFile(key: string, path: string, contentType: string): Promise<void> {
    const { size } = await stat(path);
    await this.putStream(key, createReadStream(path), size, contentType);
  }

  async putStream(
    key: string,
    body: AsyncIterable<Uint8Array>,
    bytes: number,
    contentType: string,
  ): Promise<void> {
    const stream = body instanceof Readable ? body : Readable.from(body);
    if (bytes <= UPLOAD_PART_BYTES) {
      // One PUT streamed as it comes (no buffering of the whole body first).
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: stream,
          ContentLength: bytes,
          ContentType: contentType,
        }),
      );
    } else {
      const upload = new Upload({
        client: this.s3,
        params: { Bucket: this.bucket, Key: key, Body: stream, ContentType: contentType },
        partSize: UPLOAD_PART_BYTES,
        queueSize: 4,
        leavePartsOnError: false,
      });
      await upload.done();
    }
    bytesWritten += bytes;
  }

  /** Large objects come as parallel ranged GETs (see {@link downloadToFile}). */
  getToFile(key: string, path: string): Promise<boolean> {
    return downloadToFile(this.s3, this.bucket, key, path, isMissing, this.download);
  }

  async getStream(
    key: string,
    range: ByteRange = {},
  ): Promise<AsyncIterable<Uint8Array> | undefined> {
    const { start = 0, end } = range;
    const ranged = start > 0 || end !== undefined;
    try {
      const out = await this.s3.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(ranged ? { Range: `bytes=${start}-${end === undefined ? "" : end - 1}` } : {}),
        }),
      );
      return bodyOf(out);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  async copy(from: string, to: string): Promise<boolean> {
    try {
      await this.s3.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          // The copy source is "bucket/key", URL-encoded.
          CopySource: encodeURI(`${this.bucket}/${from}`),
        }),
      );
      return true;
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (err instanceof NoSuchKey || name === "NoSuchKey" || name === "NotFound") return false;
      throw err;
    }
  }

  async deleteKeys(keys: readonly string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      const out = await this.s3.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      );
      const failed = out.Errors ?? [];
      if (failed.length > 0) {
        const first = failed[0];
        throw new Error(
          `S3 could not delete ${failed.length} of ${batch.length} objects (first: ${first?.Key}: ${first?.Code} ${first?.Message})`,
        );
      }
    }
  }

  async size(key: string): Promise<number | undefined> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.ContentLength ?? 0;
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (isMissing(err) || name === "NotFound") return undefined;
      throw err;
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array | undefined> {
    if (end <= start) return new Uint8Array();
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }),
      );
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (err) {
      if (isMissing(err)) return undefined;
      // A range starting at or past the end (S3 answers 416): no bytes, as a range that ends
      // past it gives fewer.
      if (isPastEnd(err)) return new Uint8Array();
      throw err;
    }
  }

  signedPutUrl(key: string, seconds: number): Promise<string> {
    return getSignedUrl(this.s3, new PutObjectCommand({ Bucket: this.bucket, Key: key }), {
      expiresIn: seconds,
    });
  }

  async list(prefix: string): Promise<{ key: string; lastModified: Date }[]> {
    const out: { key: string; lastModified: Date }[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key) out.push({ key: o.Key, lastModified: o.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /**
   * One single-key listing per child, each starting after the previous child's subtree: every
   * key under `<prefix><child>/` sorts before `<prefix><child>0` ("0" follows "/"). A listing with
   * a delimiter would do the same in fewer calls, but the local emulator (s3rver) finds no common
   * prefix more than one level deep.
   */
  async listChildren(
    prefix: string,
    page: { after?: string; limit?: number } = {},
  ): Promise<string[]> {
    const out: string[] = [];
    let after = page.after === undefined ? undefined : `${prefix}${page.after}0`;
    while (out.length < (page.limit ?? Number.POSITIVE_INFINITY)) {
      const page = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: 1,
          ...(after !== undefined && { StartAfter: after }),
        }),
      );
      const key = page.Contents?.[0]?.Key;
      if (!key) return out;
      const slash = key.indexOf("/", prefix.length);
      if (slash === -1) {
        // An object right under the prefix, not in a child.
        after = key;
        continue;
      }
      const child = key.slice(prefix.length, slash);
      out.push(child);
      after = `${prefix}${child}0`;
    }
    return out;
  }

  async deletePrefix(prefix: string): Promise<number> {
    let deleted = 0;
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : []));
      await this.deleteKeys(keys);
      deleted += keys.length;
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return deleted;
  }
}
