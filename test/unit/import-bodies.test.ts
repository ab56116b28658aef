import { describe, expect, it } from "vitest";
import { upsertBodies } from "../../src/cli/import-command";
import { MAX_PAYLOAD_BYTES } from "../../src/http/api-handler";

const records = (n: number, metadataBytes: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: `r${i}`,
    values: Float32Array.from({ length: 8 }, (_, j) => i + j / 8),
    ...(metadataBytes > 0 ? { metadata: { text: `"${"q".repeat(metadataBytes)}"` } } : {}),
  }));

const idsOf = (bodies: { text: string; rows: number }[]) =>
  bodies.flatMap((b) => {
    const ids = (JSON.parse(b.text) as { vectors: { id: string }[] }).vectors.map((v) => v.id);
    expect(ids).toHaveLength(b.rows);
    return ids;
  });

describe("the CLI's upsert bodies", () => {
  it("sends a batch as one body when it fits", () => {
    const bodies = upsertBodies(records(1000, 0));
    expect(bodies).toHaveLength(1);
    expect(idsOf(bodies)).toEqual(records(1000, 0).map((r) => r.id));
  });

  it("splits a batch whose metadata makes it too large for a function's event, keeping every row in order", () => {
    const batch = records(300, 30_000); // about 9 MB of metadata
    const bodies = upsertBodies(batch);
    expect(bodies.length).toBeGreaterThan(1);
    for (const body of bodies) {
      // Escaped into the event, with room for its headers.
      expect(Buffer.byteLength(JSON.stringify(body.text))).toBeLessThan(
        MAX_PAYLOAD_BYTES - 32 * 1024,
      );
    }
    expect(idsOf(bodies)).toEqual(batch.map((r) => r.id));
  });
});
