import { randomBytes, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { S3BlobStore } from "../../src/adapters/s3-blob-store";
import type { RangedDownload } from "../../src/adapters/s3-ranged-download";
import { createClients } from "../../src/clients";
import { useLocalStack } from "../support/stacks";

// Downloads to a file split large objects into ranged GETs in flight at once, each written at its
// offset, against the S3 emulator; GETs counted (and failed, for fault injection) on the client.

const env = useLocalStack();
const paths: string[] = [];

afterEach(async () => {
  await Promise.all(paths.splice(0).map((p) => rm(p, { force: true })));
});

/**
 * A blob store splitting downloads as `download` says, and the GETs its client sends; GET number
 * `fault.get` fails, or its body comes `fault.short` bytes short.
 */
function store(download: RangedDownload, fault: { get?: number; short?: number } = {}) {
  const { s3 } = createClients(env.stack.settings);
  const gets: { range?: string; ifMatch?: string }[] = [];
  const send = s3.send.bind(s3) as (command: unknown, options?: unknown) => Promise<unknown>;
  (s3 as { send: unknown }).send = async (command: unknown, options?: unknown) => {
    if (command instanceof GetObjectCommand) {
      const { Range: range, IfMatch: ifMatch } = command.input;
      gets.push({ ...(range ? { range } : {}), ...(ifMatch ? { ifMatch } : {}) });
      const n = gets.length;
      if (n === fault.get && !fault.short) throw new Error(`injected: GET ${n} fails`);
      if (n === fault.get && fault.short) {
        const out = (await send(command, options)) as { Body: AsyncIterable<Uint8Array> };
        const chunks: Uint8Array[] = [];
        for await (const chunk of out.Body) chunks.push(chunk);
        const whole = Buffer.concat(chunks);
        return { ...out, Body: Readable.from([whole.subarray(0, whole.length - fault.short)]) };
      }
    }
    return send(command, options);
  };
  return { blobs: new S3BlobStore(s3, env.stack.settings.bucket, download), gets };
}

/** Puts `bytes` under a new key; the key and a local path to download it to. */
async function stored(bytes: Uint8Array) {
  const key = `ranged/${randomUUID()}.bin`;
  const { blobs } = store({});
  await blobs.put(key, bytes, "application/octet-stream");
  const path = join(tmpdir(), `vectord-ranged-${randomUUID()}.bin`);
  paths.push(path);
  return { key, path };
}

describe("downloads to a file in ranged parts", () => {
  it("writes every part at its offset: the file is the object, byte for byte", async () => {
    const bytes = randomBytes(10_500);
    const { key, path } = await stored(bytes);
    const { blobs, gets } = store({ partBytes: 1000, concurrency: 3 });
    expect(await blobs.getToFile(key, path)).toBe(true);
    expect((await readFile(path)).equals(bytes)).toBe(true);
    // 11 parts: a GET of the whole object tells its size and ETag and gives the first part; the
    // others are ranged GETs If-Match that ETag.
    expect(gets).toHaveLength(11);
    expect(gets[0]).toEqual({});
    const etag = gets[1]?.ifMatch;
    expect(etag).toMatch(/^".+"$/);
    expect(gets.slice(1).map((g) => g.range)).toEqual(
      Array.from({ length: 10 }, (_, i) => {
        const start = (i + 1) * 1000;
        return `bytes=${start}-${Math.min(10_500, start + 1000) - 1}`;
      }),
    );
    expect(gets.slice(1).every((g) => g.ifMatch === etag)).toBe(true);
  });

  it("overwrites a longer file left at the path", async () => {
    const { key, path } = await stored(randomBytes(2500));
    const { blobs } = store({ partBytes: 1000 });
    const longer = await stored(randomBytes(9000));
    expect(await blobs.getToFile(longer.key, path)).toBe(true);
    expect(await blobs.getToFile(key, path)).toBe(true);
    expect((await readFile(path)).length).toBe(2500);
  });

  it("reads an object of up to two parts, or none, in one GET", async () => {
    for (const size of [2000, 1999, 1000, 1, 0]) {
      const bytes = randomBytes(size);
      const { key, path } = await stored(bytes);
      const { blobs, gets } = store({ partBytes: 1000 });
      expect(await blobs.getToFile(key, path)).toBe(true);
      expect((await readFile(path)).equals(bytes)).toBe(true);
      expect(gets).toEqual([{}]);
    }
    // Just over two parts: three GETs.
    const bytes = randomBytes(2001);
    const { key, path } = await stored(bytes);
    const { blobs, gets } = store({ partBytes: 1000 });
    expect(await blobs.getToFile(key, path)).toBe(true);
    expect((await readFile(path)).equals(bytes)).toBe(true);
    expect(gets.map((g) => g.range)).toEqual([undefined, "bytes=1000-1999", "bytes=2000-2000"]);
  });

  it("answers false for a missing key, and leaves no file", async () => {
    const path = join(tmpdir(), `vectord-ranged-${randomUUID()}.bin`);
    paths.push(path);
    const { blobs } = store({ partBytes: 1000 });
    expect(await blobs.getToFile(`ranged/${randomUUID()}.bin`, path)).toBe(false);
    expect(existsSync(path)).toBe(false);
  });

  it("reads a range of an object: fewer bytes, or none, past its end; nothing for a missing key", async () => {
    const bytes = randomBytes(100);
    const { key } = await stored(bytes);
    const { blobs } = store({});
    expect(
      Buffer.from((await blobs.getRange(key, 10, 20)) ?? []).equals(bytes.subarray(10, 20)),
    ).toBe(true);
    expect(await blobs.getRange(key, 90, 120)).toHaveLength(10);
    expect(await blobs.getRange(key, 100, 120)).toHaveLength(0);
    expect(await blobs.getRange(key, 150, 160)).toHaveLength(0);
    expect(await blobs.getRange(`ranged/${randomUUID()}.bin`, 0, 10)).toBeUndefined();
  });

  it("fails with the first error when one part fails, and starts no more parts", async () => {
    const { key, path } = await stored(randomBytes(20_000));
    const { blobs, gets } = store({ partBytes: 1000, concurrency: 4 }, { get: 5 });
    await expect(blobs.getToFile(key, path)).rejects.toThrow("injected: GET 5 fails");
    // The failure stopped the parts not yet started: far fewer than 20 GETs were sent.
    expect(gets.length).toBeLessThan(20);
  });

  it("fails, naming the part, when a part or the whole object comes short", async () => {
    const { key, path } = await stored(randomBytes(5500));
    const ranged = store({ partBytes: 1000 }, { get: 3, short: 10 });
    await expect(ranged.blobs.getToFile(key, path)).rejects.toThrow(
      `${key} bytes 2000-2999: expected 1000 bytes, 990 came`,
    );
    const small = await stored(randomBytes(1500));
    const whole = store({ partBytes: 1000 }, { get: 1, short: 1 });
    await expect(whole.blobs.getToFile(small.key, small.path)).rejects.toThrow(
      `${small.key} bytes 0-1499: expected 1500 bytes, 1499 came`,
    );
  });
});
