import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { client } from "../support/http";
import { startServerProcess } from "../support/server-process";

const dataDir = mkdtempSync(join(tmpdir(), "vectord-e2e-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** 54 distinct 8-dimensional vectors from a fixed sequence. */
function vectors54() {
  return Array.from({ length: 54 }, (_, i) => ({
    id: `doc-${i}`,
    values: Array.from({ length: 8 }, (_, j) => Math.sin(i * 1.7 + j * 0.31) + (i % 7) * 0.05 * j),
    metadata: { n: i },
  }));
}

describe("the local stack, as npm start runs it", () => {
  it("stores 54 vectors, finds each one first, keeps them over a restart and stops cleanly", async () => {
    const first = await startServerProcess(dataDir);
    const vectors = vectors54();
    try {
      const api = client(first.url);
      expect((await api.put("/vectors/indexes/e2e", { dimension: 8, metric: "l2" })).status).toBe(
        201,
      );
      const upsert = await api.post("/vectors/indexes/e2e/vectors", { vectors });
      expect(upsert.body).toEqual({ upserted: 54, count: 54, data_version: 1 });
      for (const v of vectors) {
        const res = await api.post("/vectors/indexes/e2e/search", { vector: v.values, k: 3 });
        expect(res.status).toBe(200);
        expect(res.body.results[0].id).toBe(v.id);
        expect(res.body.results[0].distance).toBeLessThan(1e-9);
      }
      expect(first.output()).toMatch(/PORT=\d+ VECTORD_DATA_DIR=/);
      expect(first.output()).toMatch(/POST \/vectors\/indexes\/e2e\/search 200 [\d.]+ms/);
    } finally {
      expect(await first.stop()).toBe(0);
    }

    const second = await startServerProcess(dataDir);
    try {
      const api = client(second.url);
      expect((await api.get("/vectors/indexes/e2e")).body).toMatchObject({
        count: 54,
        data_version: 1,
      });
      const v = vectors[17] as (typeof vectors)[number];
      const res = await api.post("/vectors/indexes/e2e/search", { vector: v.values, k: 1 });
      expect(res.body.results[0]).toMatchObject({ id: v.id, metadata: { n: 17 } });
    } finally {
      expect(await second.stop()).toBe(0);
    }
  });
});

describe("the data directory", () => {
  it("belongs to one local stack at a time; a second start says so and exits", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vectord-e2e-claim-"));
    const first = await startServerProcess(dir);
    try {
      await expect(startServerProcess(dir)).rejects.toThrow(
        /is in use by another vectord \(pid \d+\)/,
      );
      const api = client(first.url);
      expect((await api.get("/vectors/indexes")).status).toBe(200);
    } finally {
      expect(await first.stop()).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
