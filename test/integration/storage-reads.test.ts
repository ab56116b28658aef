import { describe, expect, it } from "vitest";
import { indexRoot } from "../../infra/storage";
import { DynamoLeaseStore } from "../../src/adapters/dynamo-lease-store";
import { ByteBudget } from "../../src/app/byte-budget";
import { Compactor } from "../../src/app/compactor";
import { DirectoryBackfill } from "../../src/app/directory-backfill";
import { LiveState } from "../../src/app/live-state";
import { OrphanSweeper } from "../../src/app/orphan-sweeper";
import { DEFAULT_DIRECTORY_MIN_BYTES, segmentKeys } from "../../src/app/segment-store";
import { DEFAULT_COMPACTION } from "../../src/domain/compaction";
import { NotFoundError } from "../../src/domain/errors";
import { manifestBytes, type SegmentRef } from "../../src/domain/segment";
import { useLocalStack } from "../support/stacks";
import { countingReads, storesOn } from "../support/stores";

// Reading vectors by id from storage: directories, digests and manifests, within budgets.

const env = useLocalStack();

const { storage, quietStore, storeAndCompactor } = storesOn(env);

describe("reading one vector", () => {
  /** Index `name` written as `segments` segments of `rows` vectors: `s<segment>-<row>` = [segment, row]. */
  async function segmentedIndex(
    name: string,
    segments: number,
    rows: number,
    directoryMinBytes?: number,
  ) {
    const writer = quietStore(storage(directoryMinBytes));
    await writer.createIndex(name, { dimension: 2, metric: "l2" });
    for (let s = 0; s < segments; s++) {
      await writer.upsert(
        name,
        Array.from({ length: rows }, (_, i) => ({
          id: `s${s}-${i}`,
          values: [s, i],
          metadata: { s },
        })),
      );
    }
    return writer.getIndex(name);
  }

  it("reads its row alone on an instance that holds nothing, never the index", async () => {
    await segmentedIndex("one-row", 6, 3);
    const parts = storage();
    const reads = countingReads(parts);
    const cold = quietStore(parts);
    expect(await cold.getVector("one-row", "s3-2")).toEqual({
      id: "s3-2",
      values: [3, 2],
      metadata: { s: 3 },
    });
    expect(reads).toMatchObject({ values: 0, ranged: 1 });
    // A batch reads each segment's manifest once, and each row alone.
    const manifests = reads.manifests;
    const batch = await cold.getVectors("one-row", ["s1-0", "s1-2", "gone", "s4-1"]);
    expect(batch.map((v) => v?.values)).toEqual([[1, 0], [1, 2], undefined, [4, 1]]);
    expect(reads.ranged).toBe(1 + 3);
    expect(reads.manifests - manifests).toBe(2);
    // The instance keeps the manifests it read: another row of a segment read before reads
    // only its values.
    expect(await cold.getVector("one-row", "s4-2")).toMatchObject({ values: [4, 2] });
    expect(reads.manifests - manifests).toBe(2);
    expect(reads.ranged).toBe(1 + 3 + 1);
    // Held vectors answer without reading storage.
    await cold.load(await cold.getIndex("one-row"));
    const afterLoad = { ...reads };
    expect(await cold.getVector("one-row", "s5-0")).toMatchObject({ values: [5, 0] });
    expect(reads).toEqual(afterLoad);
  });

  it("reads a segment with a directory by ranges alone, never its manifest whole", async () => {
    await segmentedIndex("dir-row", 3, 4, 1);
    await quietStore(storage(1)).deleteVector("dir-row", "s1-1");
    const parts = storage(1);
    const reads = countingReads(parts);
    const cold = quietStore(parts);
    expect(await cold.getVector("dir-row", "s2-3")).toEqual({
      id: "s2-3",
      values: [2, 3],
      metadata: { s: 2 },
    });
    // Its directory entry, then its id, metadata and values at once.
    expect(reads).toMatchObject({ values: 0, manifests: 0, directory: 1, ranged: 4 });
    // A deleted id: the deleting segment's entry and the id it names.
    await expect(cold.getVector("dir-row", "s1-1")).rejects.toThrow(NotFoundError);
    expect(reads).toMatchObject({ values: 0, manifests: 0, directory: 2, ranged: 6 });
    const batch = await cold.getVectors("dir-row", ["s0-0", "s1-1", "nope", "s1-2"]);
    expect(batch.map((v) => v?.values)).toEqual([[0, 0], undefined, undefined, [1, 2]]);
    expect(reads).toMatchObject({ values: 0, manifests: 0, directory: 5 });
  });

  it("keeps a directory beside its segment, and removes it with it", async () => {
    const parts = storage(1);
    const { compactor } = storeAndCompactor(1);
    const writer = quietStore(parts);
    await writer.createIndex("dir-kept", { dimension: 2, metric: "l2" });
    for (let s = 0; s < 4; s++) await writer.upsert("dir-kept", [{ id: `v${s}`, values: [s, s] }]);
    await compactor.run("dir-kept");
    const record = await writer.getIndex("dir-kept");
    expect(record.segments.length).toBeLessThan(4); // merged
    const stored = async () => (await parts.blobs.list(indexRoot(record))).map((o) => o.key).sort();
    // Every segment the catalog names has its four objects, and nothing else is left.
    const named = record.segments.flatMap((ref) => Object.values(segmentKeys(record, ref.id)));
    expect(await stored()).toEqual(named.sort());
    // The orphan sweep (no grace) counts directories as referenced.
    const sweeper = new OrphanSweeper({ catalog: parts.catalog, blobs: parts.blobs, graceMs: 0 });
    expect(await sweeper.sweep("dir-kept")).toBe(0);
    expect(await quietStore(storage(1)).getVector("dir-kept", "v0")).toMatchObject({
      values: [0, 0],
    });
  });

  it("gives segments written before directories theirs in the compaction task", async () => {
    const old = storage(Number.POSITIVE_INFINITY); // code from before directories
    await segmentedIndex("dir-backfill", 3, 4, Number.POSITIVE_INFINITY);
    const record = await old.catalog.get("dir-backfill");
    if (!record) throw new Error("no index");
    // Segment 0's manifest in another JSON form than this code writes (the same content).
    const key0 = segmentKeys(record, (record.segments[0] as SegmentRef).id).manifest;
    const text0 = Buffer.from((await old.blobs.get(key0)) as Uint8Array).toString("utf8");
    await old.blobs.put(key0, JSON.stringify(JSON.parse(text0), null, 1), "application/json");
    const now = storage(1);
    const compactor = new Compactor({
      catalog: now.catalog,
      segments: now.segments,
      leases: new DynamoLeaseStore(now.clients.doc, env.stack.settings.tables.leases),
      policy: { ...DEFAULT_COMPACTION, fanout: 100 }, // nothing to merge
      backfill: new DirectoryBackfill(now),
    });
    expect(await compactor.run("dir-backfill")).toMatchObject({ merges: 0, directories: 2 });
    // Directories are written once, and a run whose segments are all settled reads nothing of
    // them; the segment in another form is left to its manifest.
    const reads = countingReads(now);
    expect(await compactor.run("dir-backfill")).toMatchObject({ directories: 0 });
    expect(reads).toMatchObject({ manifests: 0, ranged: 0 });
    const cold = quietStore(now);
    expect(await cold.getVector("dir-backfill", "s2-1")).toMatchObject({ values: [2, 1] });
    expect(await cold.getVector("dir-backfill", "s1-3")).toMatchObject({ values: [1, 3] });
    expect(reads).toMatchObject({ manifests: 0, directory: 2 });
    expect(await cold.getVector("dir-backfill", "s0-2")).toMatchObject({ metadata: { s: 0 } });
    expect(reads).toMatchObject({ manifests: 1, directory: 3 });
  });

  it("reads a segment written before directories through its manifest", async () => {
    await segmentedIndex("dir-none", 2, 3);
    const parts = storage(1); // a reader that expects directories
    const reads = countingReads(parts);
    const cold = quietStore(parts);
    expect(await cold.getVector("dir-none", "s1-2")).toMatchObject({ values: [1, 2] });
    // The directory is looked for, then the manifest read (and kept: no second look).
    expect(reads).toMatchObject({ values: 0, manifests: 1, directory: 1, ranged: 2 });
    expect(await cold.getVector("dir-none", "s1-0")).toMatchObject({ values: [1, 0] });
    expect(reads).toMatchObject({ values: 0, manifests: 1, directory: 1, ranged: 3 });
  });

  it("gives a manifest of a mebibyte or more a directory by default", async () => {
    const writer = quietStore(storage());
    await writer.createIndex("dir-default", { dimension: 2, metric: "l2" });
    const text = "chunk text ".repeat(100); // 1.1 KB of metadata a row, as RAG chunks carry
    await writer.upsert(
      "dir-default",
      Array.from({ length: 1000 }, (_, i) => ({ id: `c${i}`, values: [i, 1], metadata: { text } })),
    );
    const record = await writer.getIndex("dir-default");
    const ref = record.segments[0] as SegmentRef;
    expect(manifestBytes(ref, 2)).toBeGreaterThanOrEqual(DEFAULT_DIRECTORY_MIN_BYTES);
    const parts = storage();
    const reads = countingReads(parts);
    expect(await quietStore(parts).getVector("dir-default", "c777")).toEqual({
      id: "c777",
      values: [777, 1],
      metadata: { text },
    });
    expect(reads).toMatchObject({ values: 0, manifests: 0, directory: 1, ranged: 4 });
  });

  it("keeps the id digests it read within the instance's budget, least recently used first", async () => {
    await segmentedIndex("digests-a", 2, 3);
    await segmentedIndex("digests-b", 2, 3);
    const parts = storage();
    const reads = countingReads(parts);
    // Room for one index's digests (2 segments × 3 words × 8 bytes, and a 4-byte filter each), not two.
    const store = quietStore(parts, { live: new LiveState(parts.segments, new ByteBudget(60)) });
    await store.getVector("digests-a", "s0-0");
    await store.getVector("digests-a", "s1-1");
    expect(reads.digests).toBe(2);
    await store.getVector("digests-b", "s0-0"); // index a's digests are given up
    expect(reads.digests).toBe(4);
    await store.getVector("digests-b", "s1-2");
    expect(reads.digests).toBe(4);
    await store.getVector("digests-a", "s0-1"); // read again
    expect(reads.digests).toBe(6);
  });

  it("builds the digests' filters for a writer, never for reads by id alone", async () => {
    await segmentedIndex("filters", 2, 3);
    const parts = storage();
    const budget = new ByteBudget();
    const store = quietStore(parts, { live: new LiveState(parts.segments, budget) });
    expect(await store.getVector("filters", "s1-2")).toMatchObject({ values: [1, 2] });
    expect(budget.bytes("digests/")).toBe(2 * 3 * 8); // the digests alone
    // A write builds the filters of the segments it checks its ids against (32 bits each at least).
    await store.upsert("filters", [{ id: "s0-1", values: [9, 9] }]);
    expect(budget.bytes("digests/")).toBe(2 * 3 * 8 + 2 * 4);
    // Reads by id after it go through them, and search the new segment's digest unfiltered.
    expect(await store.getVector("filters", "s0-1")).toMatchObject({ values: [9, 9] });
    expect(budget.bytes("digests/")).toBe(7 * 8 + 2 * 4);
    expect(await store.getVector("filters", "s0-2")).toMatchObject({ values: [0, 2] });
    await expect(store.getVector("filters", "nope")).rejects.toThrow(NotFoundError);
  });

  it("keeps the manifests it read within the instance's budget, least recently used first", async () => {
    const record = await segmentedIndex("one-budget", 2, 2);
    // Room for one segment's manifest (counted at twice its stored JSON), not two.
    const manifestBytes = (i: number) =>
      2 * ((record.segments[i]?.bytes ?? 0) - 2 * 4 * record.dimension);
    const parts = storage();
    const reads = countingReads(parts);
    const store = quietStore(parts, {
      budget: new ByteBudget(Math.max(manifestBytes(0), manifestBytes(1)) + 10),
    });
    await store.getVector("one-budget", "s0-0");
    await store.getVector("one-budget", "s0-1");
    expect(reads.manifests).toBe(1);
    await store.getVector("one-budget", "s1-0"); // segment 0's manifest is given up
    await store.getVector("one-budget", "s1-1");
    expect(reads.manifests).toBe(2);
    await store.getVector("one-budget", "s0-0"); // read again
    expect(reads.manifests).toBe(3);
  });

  it.each([
    ["its manifest", undefined],
    ["its directory", 1],
  ])(
    "reads the index's rows when the digests named another id of the same hash (%s)",
    async (_, directoryMinBytes) => {
      const name = `one-clash-${directoryMinBytes ?? 0}`;
      const parts = storage(directoryMinBytes);
      const store = quietStore(parts);
      await store.createIndex(name, { dimension: 2, metric: "l2" });
      await store.upsert(name, [{ id: "a", values: [1, 1] }]);
      await store.upsert(name, [{ id: "b", values: [2, 2] }]);
      await store.deleteVector(name, "b");
      // A digest that, for every id, names the last segment (a deletion of "b" alone), as a
      // 64-bit hash shared with "b" would.
      const clashing = new LiveState(parts.segments);
      clashing.locator = async (record) => async () => ({
        ref: record.segments.at(-1) as SegmentRef,
        segment: record.segments.length - 1,
        word: "deleted",
        position: 0,
      });
      const reader = quietStore(parts, { live: clashing });
      expect(await reader.getVector(name, "a")).toEqual({
        id: "a",
        values: [1, 1],
        metadata: null,
      });
      await expect(reader.getVector(name, "b")).rejects.toThrow(NotFoundError);
    },
  );
});
