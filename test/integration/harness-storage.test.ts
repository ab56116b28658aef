import { beforeAll, describe, expect, it } from "vitest";
import type { S3BlobStore } from "../../src/adapters/s3-blob-store";
import { HarnessStore } from "../../src/app/harness-store";
import { Housekeeping } from "../../src/app/housekeeping";
import { encodeValues } from "../../src/domain/segment";
import { useHarnessBlobs } from "../support/harness-blobs";
import { useLocalStack } from "../support/stacks";
import { indexWithHarness, randomVectors, upsertAll } from "../support/vectors";

// How harnesses are stored: a small description beside their queries and ground truth (and the
// older inline format still read), objects no description names swept after a grace period, and
// listings a page at a time.

const env = useLocalStack();
const api = env.api;
const bucket = useHarnessBlobs(env);

describe("harness storage", () => {
  beforeAll(async () => {
    // The index the tests make harnesses on, and a harness of it (`gt-h`): another index's
    // harness than the listing test's own.
    await indexWithHarness(api, "gt", { count: 300, dimension: 16, seed: 5, queries: 2 });
  });

  it("describes and lists harnesses from their small descriptions, and reads those stored inline", async () => {
    const made = await api.post("/vectors/hnsw/evals/wide/autogen", {
      index_name: "gt",
      count: 200,
      k: 50,
    });
    expect(made.status).toBe(201);
    // Describing reads the description alone, not the 10,000 ids of ground truth.
    const read: { key: string; bytes: number }[] = [];
    const counted = Object.create(bucket.blobs) as S3BlobStore;
    counted.get = async (key) => {
      const got = await bucket.blobs.get(key);
      read.push({ key, bytes: got?.byteLength ?? 0 });
      return got;
    };
    const store = new HarnessStore(counted);
    expect(await store.describe("wide")).toMatchObject({ queryCount: 200, k: 50 });
    expect(read).toEqual([{ key: "_hnsw_evals/wide/harness.json", bytes: expect.any(Number) }]);
    expect(read[0]?.bytes).toBeLessThan(1024);
    const whole = await store.get("wide");
    expect(whole?.groundTruth).toHaveLength(200);
    expect(whole?.groundTruth.every((ids) => ids.length === 50)).toBe(true);
    expect(whole?.vectors).toHaveLength(200 * 16);
    expect(read.slice(1).reduce((n, r) => n + r.bytes, 0)).toBeGreaterThan(64 * 1024);

    // A harness stored before descriptions were split (format 1: queries and ground truth
    // inline) is described, listed, measured and deleted as before.
    const inline = await bucket.harnesses.get("wide");
    if (!inline) throw new Error("the harness was not saved");
    await bucket.blobs.put(
      "_hnsw_evals/legacy/legacy-queries.f32",
      encodeValues(inline.vectors),
      "application/octet-stream",
    );
    await bucket.blobs.put(
      "_hnsw_evals/legacy/harness.json",
      JSON.stringify({
        format: 1,
        name: "legacy",
        index_name: "gt",
        index_uid: inline.indexUid,
        dimension: 16,
        metric: "l2",
        k: 50,
        queries: inline.queries.map((q) => ({ id: q.id, source_id: q.sourceId })),
        vectors_key: "_hnsw_evals/legacy/legacy-queries.f32",
        ground_truth: inline.groundTruth,
        data_version: inline.dataVersion,
        origin: inline.origin,
        created_at: inline.createdAt,
        refreshed_at: inline.refreshedAt,
      }),
      "application/json",
    );
    const legacy = await api.get("/vectors/hnsw/evals/legacy");
    expect(legacy.body).toMatchObject({ name: "legacy", queries: 200, k: 50, stale: false });
    const listed = await api.get("/vectors/hnsw/evals?index_name=gt");
    expect(listed.body.harnesses.map((h: { name: string }) => h.name)).toContain("legacy");
    expect((await bucket.harnesses.get("legacy"))?.groundTruth).toEqual(inline.groundTruth);
    const trial = await api.post("/vectors/hnsw/trial", {
      index_name: "gt",
      harness: "legacy",
      config: { ef_construction: 40, ef_search: 40, m: 8 },
    });
    expect(trial.status).toBe(201);
    expect((await api.delete("/vectors/hnsw/evals/legacy")).status).toBe(204);
    expect(await bucket.list("_hnsw_evals/legacy/")).toEqual([]);
    expect((await api.delete("/vectors/hnsw/evals/wide")).status).toBe(204);
    expect(await bucket.list("_hnsw_evals/wide/")).toEqual([]);
  });

  it("sweeps harness objects no description names, once past the grace period", async () => {
    const made = await api.post("/vectors/hnsw/evals/kept/autogen", { index_name: "gt", count: 2 });
    expect(made.status).toBe(201);
    const live = await bucket.list("_hnsw_evals/kept/");
    expect(live).toHaveLength(3);
    // What crashed saves and deletions leave: objects beside a description, and a folder with
    // no description at all.
    const planted = [
      "_hnsw_evals/kept/queries-crashed.f32",
      "_hnsw_evals/kept/truth-crashed.json",
      "_hnsw_evals/ghost/queries-crashed.f32",
    ];
    for (const key of planted)
      await bucket.blobs.put(key, new Uint8Array(8), "application/octet-stream");
    // Younger than the cutoff: kept (a save in flight writes its objects before its description).
    expect(await bucket.harnesses.sweepOrphans(Date.now() - 60_000)).toBe(0);
    expect(await bucket.harnesses.sweepOrphans(Date.now() + 1_000)).toBe(3);
    expect((await bucket.list("_hnsw_evals/kept/")).sort()).toEqual([...live].sort());
    expect(await bucket.list("_hnsw_evals/ghost/")).toEqual([]);
    expect((await bucket.harnesses.get("kept"))?.groundTruth).toHaveLength(2);
    // The hourly housekeeping runs it, with its grace period.
    await bucket.blobs.put(planted[2] as string, new Uint8Array(8), "application/octet-stream");
    const housekeeping = new Housekeeping({
      vectors: env.services.vectors,
      tasks: { start: async () => undefined },
      purger: env.services.purger,
      harnesses: bucket.harnesses,
      sweepMinutes: 0,
      orphanGraceMs: -1_000,
    });
    expect(await housekeeping.onSchedule(new Date(), 5)).toMatchObject({ harnessObjects: 1 });
    expect(await bucket.list("_hnsw_evals/ghost/")).toEqual([]);
    // A sweep that fails (injected) stops nothing else: the compactions still start.
    const started: string[] = [];
    const failing = new Housekeeping({
      vectors: env.services.vectors,
      tasks: { start: async (_kind, name) => void started.push(name) },
      purger: env.services.purger,
      harnesses: { sweepOrphans: async () => Promise.reject(new Error("S3 is unavailable")) },
      sweepMinutes: 0,
    });
    const swept = await failing.onSchedule(new Date(), 5);
    expect(swept).toMatchObject({ harnessObjects: 0 });
    expect(started).toContain("gt");
    expect((await api.delete("/vectors/hnsw/evals/kept")).status).toBe(204);
  });

  it("lists harnesses a page at a time in name order, of one index or all, with their staleness", async () => {
    await api.put("/vectors/indexes/lst", { dimension: 16, metric: "l2" });
    await upsertAll(api, "lst", randomVectors(30, 16, 6));
    for (const name of ["lst-c", "lst-a", "lst-b"]) {
      const made = await api.post(`/vectors/hnsw/evals/${name}/autogen`, {
        index_name: "lst",
        count: 3,
        k: 3,
      });
      expect(made.status).toBe(201);
    }
    const pages = async (query: string) => {
      const names: string[] = [];
      let token: string | undefined;
      for (let i = 0; i < 50; i++) {
        const path = `/vectors/hnsw/evals?${query}${token ? `&next_token=${token}` : ""}`;
        const page = await api.get(path);
        expect(page.status).toBe(200);
        names.push(...page.body.harnesses.map((h: { name: string }) => h.name));
        token = page.body.next_token;
        if (!token) return names;
      }
      throw new Error("the listing never ended");
    };
    const ofIndex = await api.get("/vectors/hnsw/evals?index_name=lst");
    expect(ofIndex.body.next_token).toBeUndefined();
    expect(ofIndex.body.harnesses).toEqual(
      ["lst-a", "lst-b", "lst-c"].map((name) =>
        expect.objectContaining({ name, index_name: "lst", queries: 3, k: 3, stale: false }),
      ),
    );
    // One a page, across every index's harnesses: each once, in name order.
    expect(await pages("index_name=lst&limit=1")).toEqual(["lst-a", "lst-b", "lst-c"]);
    const all = await pages("limit=2");
    expect(all).toEqual([...new Set(all)].sort());
    expect(all).toEqual(expect.arrayContaining(["gt-h", "lst-a", "lst-b", "lst-c"]));
    // A write makes them stale; a deleted one is gone.
    await upsertAll(api, "lst", randomVectors(1, 16, 7, "late-"));
    await api.delete("/vectors/hnsw/evals/lst-b");
    const after = (await api.get("/vectors/hnsw/evals?index_name=lst")).body.harnesses;
    expect(after.map((h: { name: string; stale: boolean }) => [h.name, h.stale])).toEqual([
      ["lst-a", true],
      ["lst-c", true],
    ]);
    const bad = await api.get("/vectors/hnsw/evals?limit=101");
    expect(bad.body.error.message).toMatch(/limit: got "101", expected an integer from 1 to 100/);
  });
});
