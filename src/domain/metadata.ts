/**
 * Most bytes of one vector's metadata, as JSON (40 KiB, as Pinecone and S3 Vectors allow): every
 * search hit carries its metadata, and an answer must fit in what a function may return.
 */
export const MAX_METADATA_BYTES = 40 * 1024;

/**
 * Why `metadata` cannot be stored, or `null` when it can: over {@link MAX_METADATA_BYTES} as JSON,
 * or holding a number that is not finite (JSON's `1e400` parses as Infinity, which JSON cannot
 * carry back: it would be stored as `null`).
 */
export function metadataProblem(metadata: Record<string, unknown>): string | null {
  let nonFinite: { key: string; value: number } | undefined;
  const text = JSON.stringify(metadata, (key, value: unknown) => {
    if (!nonFinite && typeof value === "number" && !Number.isFinite(value)) {
      nonFinite = { key, value };
    }
    return value;
  });
  if (nonFinite) {
    return `holds ${nonFinite.value} at key ${JSON.stringify(nonFinite.key)}: expected finite numbers (a JSON number such as 1e400 does not fit in a 64-bit float)`;
  }
  const bytes = Buffer.byteLength(text);
  return bytes > MAX_METADATA_BYTES
    ? `is ${bytes.toLocaleString("en")} bytes as JSON; at most ${MAX_METADATA_BYTES.toLocaleString("en")}`
    : null;
}
