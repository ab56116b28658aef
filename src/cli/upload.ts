import { createReadStream } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { pipeline } from "node:stream/promises";

/**
 * PUTs a file to a signed URL, streamed from disk (never loaded whole) with its length declared
 * (S3 refuses chunked uploads to signed URLs). `onBytes` follows progress. Resolves with the
 * status and body of the answer.
 */
export async function putFile(
  url: string,
  file: string,
  bytes: number,
  onBytes?: (count: number) => void,
): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  const stream = createReadStream(file, { highWaterMark: 4 * 1024 * 1024 });
  if (onBytes) stream.on("data", (chunk) => onBytes(chunk.length));
  return new Promise((resolve, reject) => {
    const req = send(
      target,
      { method: "PUT", headers: { "content-length": String(bytes) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    pipeline(stream, req).catch(reject);
  });
}
