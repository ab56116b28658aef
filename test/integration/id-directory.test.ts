import { describe, expect, it } from "vitest";
import { ByteBudget } from "../../src/app/byte-budget";
import { HashFileReader } from "../../src/app/hash-file-reader";
import { IdDirectoryBuilder } from "../../src/app/id-directory-builder";
import { LiveState } from "../../src/app/live-state";
import { LOST_RACE } from "../../src/app/ports";
import { NotFoundError } from "../../src/domain/errors";
import { directoryCoverage, droppableDeletions } from "../../src/domain/id-directory";
import type { ActiveGeneration } from "../../src/domain/index-record";
import { mergeSegments } from "../../src/domain/segment";
import { idDirectoryFixtures, row, SMALL_SEGMENTS, writtenIndex } from "../support/id-directories";
import { useLocalStack } from "../support/stacks";
import { countingReads, listEveryId, TINY_COMPACTION } from "../support/stores";

// An index's id directory: a writer on a new instance asks it about the ids it writes (a few
// ranged reads) instead of reading every segment's id digest, and counts stay exact through
// merges, purges and rebuilds. Reads and listings through it: id-directory-reads.test.ts.

const env = useLocalStack();
const { storage, quietStore, compactorWithDirectory } = idDirectoryFixtures(env);

describe("id directory", () => {
  it("answers a new instance's first write with a few ranged reads, not every digest", async () => {
    const parts = storage();
    const writer = quietStore(parts);
    await writtenIndex(writer, "iddir", 30, 200);
    await writer.deleteVectors("iddir", ["v7", "v4000"]);
    const compactor = compactorWithDirectory(parts, SMALL_SEGMENTS);
    expect(await compactor.run("iddir")).toMatchObject({ idDirectory: true, more: false });
    const record = await writer.getIndex("iddir");
    const coverage = directoryCoverage(record);
    expect(record.idDirectory?.live).toBeGreaterThan(3000);
    expect(coverage?.uncoveredFrom).toBeGreaterThan(5);
    // The segments it does not cover: at most the ones still merging.
    const uncovered = record.segments.length - (coverage?.uncoveredFrom ?? 0);

    const cold = storage();
    const reads = countingReads(cold);
    // Ranged reads priced low: this directory of 5,800 ids would be read whole by default.
    const directories = new HashFileReader(cold.blobs, new ByteBudget(), {
      rangedReadBytes: 64,
    });
    const coldWriter = quietStore(cold, {
      live: new LiveState(cold.segments, new ByteBudget(), { hashes: directories }),
    });
    // A new id, a live one (covered), and one deleted before the directory was built.
    const wrote = await coldWriter.upsert("iddir", [
      row("brand-new", 1),
      row("v10", 2),
      row("v7", 3),
    ]);
    expect(wrote.count).toBe(6000 - 2 + 2);
    expect(reads.digests).toBe(uncovered);
    expect(reads.idDirectory).toBe(0);
    // Each hash settles in about two 512-byte chunks, the three asked at once.
    expect(reads.idDirectoryRanged).toBeLessThanOrEqual(12);
    expect(reads.idDirectoryBytes).toBeLessThanOrEqual(12 * 512);
    // At the default price, 3 ids against 5,800 read the directory's entries whole: one read of
    // them, not of the names after them.
    const whole = storage();
    const wholeReads = countingReads(whole);
    expect((await quietStore(whole).upsert("iddir", [row("v12", 1)])).count).toBe(6000);
    const entries = 12 * (record.idDirectory?.live ?? 0);
    expect(wholeReads).toMatchObject({
      idDirectory: 0,
      idDirectoryRanged: 1,
      idDirectoryBytes: entries,
    });
    // A delete of an id the directory says is gone is refused; one it holds goes.
    await expect(coldWriter.deleteVector("iddir", "v4000")).rejects.toBeInstanceOf(NotFoundError);
    expect((await coldWriter.deleteVector("iddir", "v11")).count).toBe(5999);
    expect(reads.idDirectory).toBe(0);
    // Without a directory, a new instance reads every segment's digest.
    const plain = storage();
    const plainReads = countingReads(plain);
    await writtenIndex(writer, "iddir-none", 5, 10, "w");
    await quietStore(plain).upsert("iddir-none", [row("x", 1)]);
    expect(plainReads.digests).toBe(5);
    expect(plainReads.idDirectory + plainReads.idDirectoryRanged).toBe(0);
  });

  it("keeps counts exact through writes, merges, purges and rebuilds, on new instances too", async () => {
    const parts = storage();
    const writer = quietStore(parts);
    // Segments past 256 bytes are full: many of them, and purges that shrink them.
    const compactor = compactorWithDirectory(parts, { ...TINY_COMPACTION, maxSegmentBytes: 512 });
    await writer.createIndex("iddir-model", { dimension: 2, metric: "l2" });
    const live = new Map<string, number[]>();
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = () => `id${Math.floor(random() * 120)}`;
    const seen = { built: 0, probed: 0, untrusted: 0 };
    for (let step = 0; step < 60; step++) {
      const ids = [...new Set(Array.from({ length: 1 + Math.floor(random() * 12) }, pick))];
      const cold = storage();
      const reads = countingReads(cold);
      // Half the steps write from a new instance (nothing kept), half from the same one.
      const store = step % 2 === 0 ? quietStore(cold) : writer;
      if (random() < 0.65) {
        const out = await store.upsert(
          "iddir-model",
          ids.map((id, i) => row(id, i + step)),
        );
        ids.forEach((id, i) => {
          live.set(id, row(id, i + step).values);
        });
        expect(out.count).toBe(live.size);
      } else {
        const out = await store.deleteVectors("iddir-model", ids);
        expect(out.deleted).toBe(ids.filter((id) => live.has(id)).length);
        for (const id of ids) live.delete(id);
        expect(out.count).toBe(live.size);
        // A delete of an id not live is refused, whatever answers for it.
        const dead = ids[0] as string;
        await expect(store.deleteVector("iddir-model", dead)).rejects.toBeInstanceOf(NotFoundError);
      }
      // A new instance reads some ids back, live or not.
      const asked = [...new Set(Array.from({ length: 6 }, pick))];
      const got = await quietStore(cold).getVectors("iddir-model", asked);
      expect(got.map((v) => v?.values)).toEqual(asked.map((id) => live.get(id)));
      seen.probed += reads.idDirectory + reads.idDirectoryRanged;
      // Every few steps a new instance lists every live id, in small pages.
      if (step % 4 === 3) {
        const { ids: listed } = await listEveryId(quietStore(storage()), "iddir-model", 7);
        expect(listed.sort()).toEqual([...live.keys()].sort());
      }
      const now = await writer.getIndex("iddir-model");
      if (now.idDirectory && !directoryCoverage(now)) seen.untrusted++;
      if (step % 3 === 2 && (await compactor.run("iddir-model")).idDirectory) seen.built++;
    }
    // Directories were built, rebuilt and asked.
    expect(seen.built).toBeGreaterThan(2);
    expect(seen.probed).toBeGreaterThan(0);
    const record = await writer.getIndex("iddir-model");
    expect(record.count).toBe(live.size);
  });

  it("stops trusting a directory once a merge straddles its version, until the next build", async () => {
    const parts = storage();
    const writer = quietStore(parts);
    // Every segment is full: the directory covers all there are when it is built.
    const everyFull = { ...TINY_COMPACTION, maxSegmentBytes: 64 };
    const builder = new IdDirectoryBuilder({ ...parts, policy: everyFull, rebuildWords: 0 });
    await writer.createIndex("iddir-straddle", { dimension: 2, metric: "l2" });
    await writer.upsert("iddir-straddle", [row("a", 1), row("b", 2)]);
    expect(await builder.run("iddir-straddle")).toMatchObject({ live: 2, applied: 1 });
    await writer.deleteVector("iddir-straddle", "a");
    // A merge at the head of the list, across the directory's version: it would drop the
    // deletion and the row it deleted (no generation needs them), but the directory holds "a"
    // live, so the deletion stays.
    const record = await writer.getIndex("iddir-straddle");
    expect(droppableDeletions({ ...record, idDirectory: undefined }, 0)).toBe(0);
    const floor = { ...record, active: { data_version: 9 } as ActiveGeneration };
    expect(droppableDeletions({ ...floor, idDirectory: undefined }, 0)).toBe(9);
    expect(droppableDeletions(floor, 0)).toBe(1);
    const read = await Promise.all(record.segments.map((ref) => parts.segments.read(record, ref)));
    const merged = mergeSegments(read, 2, droppableDeletions(floor, 0));
    expect(merged.ids).toEqual(["b"]);
    expect(merged.deleted).toEqual(["a"]);
    const ref = await parts.segments.write(record, merged);
    const swapped = await parts.catalog.replaceRun(record, 0, 2, ref);
    if (swapped === LOST_RACE) throw new Error("the merge lost its swap");
    expect(directoryCoverage(swapped)).toBeNull();
    // A new instance reads the digests instead: "a" is not live, so writing it counts.
    const cold = storage();
    const reads = countingReads(cold);
    expect((await quietStore(cold).upsert("iddir-straddle", [row("a", 3)])).count).toBe(2);
    expect(reads.idDirectory + reads.idDirectoryRanged).toBe(0);
    // The next build starts over from the segments' digests, and is trusted again.
    expect(await builder.run("iddir-straddle")).toMatchObject({ live: 2, applied: 2 });
    const rebuilt = storage();
    const rebuiltReads = countingReads(rebuilt);
    const store = quietStore(rebuilt);
    expect((await store.deleteVectors("iddir-straddle", ["a", "b", "c"])).count).toBe(0);
    expect(rebuiltReads.idDirectory + rebuiltReads.idDirectoryRanged).toBeGreaterThan(0);
  });

  it("is ignored by requests and removed by compaction when off, or past the ids a build holds", async () => {
    const parts = storage();
    const writer = quietStore(parts);
    await writer.createIndex("iddir-off", { dimension: 2, metric: "l2" });
    for (let b = 0; b < 4; b++) {
      await writer.upsert("iddir-off", [row(`a${b}`, b), row(`b${b}`, b)]);
    }
    const everyFull = { ...TINY_COMPACTION, maxSegmentBytes: 64 };
    await new IdDirectoryBuilder({ ...parts, policy: everyFull }).run("iddir-off");
    const record = await writer.getIndex("iddir-off");
    expect(record.idDirectory?.live).toBe(8);
    // Off: every digest answers, the directory is not read.
    const cold = storage();
    const reads = countingReads(cold);
    const off = quietStore(cold, {
      live: new LiveState(cold.segments, new ByteBudget(), { directories: false }),
    });
    expect((await off.upsert("iddir-off", [row("a1", 9), row("new", 1)])).count).toBe(9);
    expect((await off.getVectors("iddir-off", ["b2"]))[0]?.values).toEqual(row("", 2).values);
    // The 4 segments' digests for the write, then the digest of the segment it wrote.
    expect(reads.digests).toBe(5);
    expect(reads.idDirectory + reads.idDirectoryRanged).toBe(0);
    // Compaction removes it (what code from before directories finds: no directory at all).
    const removing = new IdDirectoryBuilder({ ...parts, policy: everyFull, enabled: false });
    expect(await removing.run("iddir-off")).toBeNull();
    expect((await writer.getIndex("iddir-off")).idDirectory).toBeUndefined();
    // An index past the ids a build can hold gets none either: built again, then removed.
    expect(
      await new IdDirectoryBuilder({ ...parts, policy: everyFull }).run("iddir-off"),
    ).toMatchObject({ live: 9 });
    const capped = new IdDirectoryBuilder({ ...parts, policy: everyFull, maxIds: 8 });
    expect(await capped.run("iddir-off")).toBeNull();
    expect((await writer.getIndex("iddir-off")).idDirectory).toBeUndefined();
    const fits = new IdDirectoryBuilder({ ...parts, policy: everyFull, maxIds: 9 });
    expect(await fits.run("iddir-off")).toMatchObject({ live: 9 });
  });
});
