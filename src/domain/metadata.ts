/**
 * Most bytes of one vector's metadata, as JSON (40 KiB, as Pinecone and S3 Vectors allow): every
 * search hit carries its metadata, and an answer must fit in what a function may return.
 */
export const MAX_METADATA_BYTES = 40 * 1024;

/** Why `metadata` cannot be stored, or `null` when it can. */
export function metadataProblem(metadata: Record<string, unknown>): string | null {
  const bytes = Buffer.byteLength(JSON.stringify(metadata));
  return bytes > MAX_METADATA_BYTES
    ? `is ${bytes.toLocaleString("en")} bytes as JSON; at most ${MAX_METADATA_BYTES.toLocaleString("en")}`
    : null;
}
