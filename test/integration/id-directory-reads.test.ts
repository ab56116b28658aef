import { describe, expect, it } from "vitest";
import { ByteBudget } from "../../src/app/byte-budget";
import { HashFileReader } from "../../src/app/hash-file-reader";
import { IdDirectoryBuilder } from "../../src/app/id-directory-builder";
import { LiveState } from "../../src/app/live-state";
import { LOST_RACE } from "../../src/app/ports";
import { directoryCoverage } from "../../src/domain/id-directory";
import { idDirectoryFixtures, row, SMALL_SEGMENTS, writtenIndex } from "../support/id-directories";
import { useLocalStack } from "../support/stacks";
import { countingReads, listEveryId, TINY_COMPACTION } from "../support/stores";

// Reads through an index's id directory on a new instance: vectors by id and pages of ids come
// from a few ranged reads of it (and its names) instead of every segment's digest, and a
// directory from before names is rebuilt with them.

const env = useLocalStack();
const { storage, quietStore, compactorWithDirectory } = idDirectoryFixtures(env);

describe("id directory reads", () => {
  it("reads vectors by id on a new instance through the directory, not every digest", async () => {
    // Every segment gets a segment directory: reads by id take ranged reads alone.
    const parts = storage(1);
    const writer = quietStore(parts);
    await writtenIndex(writer, "iddir-reads", 20, 200);
    await writer.deleteVectors("iddir-reads", ["v5", "v3001"]);
    expect(await compactorWithDirectory(parts, SMALL_SEGMENTS).run("iddir-reads")).toMatchObject({
      idDirectory: true,
    });
    await writer.upsert("iddir-reads", [row("late", 7)]);
    const record = await writer.getIndex("iddir-reads");
    const uncovered = record.segments.length - (directoryCoverage(record)?.uncoveredFrom ?? 0);
    const cold = storage(1);
    const reads = countingReads(cold);
    const directories = new HashFileReader(cold.blobs, new ByteBudget(), { rangedReadBytes: 64 });
    const reader = quietStore(cold, {
      live: new LiveState(cold.segments, new ByteBudget(), { hashes: directories }),
    });
    const asked = ["v10", "v2999", "v5", "late", "never", "v3999"];
    const got = await reader.getVectors("iddir-reads", asked);
    expect(got.map((v) => v?.values)).toEqual([
      row("", 10).values,
      row("", 2999).values,
      undefined,
      [7, 7],
      undefined,
      row("", 3999).values,
    ]);
    // Only the digests of the segments the directory does not cover, and no manifest whole.
    expect(reads).toMatchObject({ digests: uncovered, manifests: 0, idDirectory: 0, values: 0 });
    expect(reads.idDirectoryRanged).toBeGreaterThan(0);
    // At the default price this small directory is read whole; the answers are the same.
    const plain = storage(1);
    expect(
      (await quietStore(plain).getVectors("iddir-reads", asked)).map((v) => v?.values),
    ).toEqual(got.map((v) => v?.values));
  });

  it("lists a new instance's pages from the directory's names, not every digest", async () => {
    const parts = storage();
    const writer = quietStore(parts);
    await writtenIndex(writer, "iddir-list", 30, 200);
    expect(await compactorWithDirectory(parts, SMALL_SEGMENTS).run("iddir-list")).toMatchObject({
      idDirectory: true,
    });
    // Newer words the directory does not hold: deletions and re-upserts of ids it holds live,
    // and new ids, around the pages' edges.
    await writer.deleteVectors("iddir-list", ["v1", "v2", "v3000", "v5999"]);
    await writer.upsert("iddir-list", [row("v4", 9), row("new-1", 1), row("new-2", 2)]);
    const record = await writer.getIndex("iddir-list");
    expect(record.idDirectory?.names).toBe(true);
    const coverage = directoryCoverage(record);
    const uncovered = record.segments.length - (coverage?.uncoveredFrom ?? 0);
    expect(coverage?.uncoveredFrom).toBeGreaterThan(5);

    const cold = storage();
    const reads = countingReads(cold);
    const first = await quietStore(cold).listVectorIds("iddir-list", 50);
    expect(first.items).toHaveLength(50);
    // Only the digests the directory does not cover; no manifest; a few ranged reads.
    expect(reads).toMatchObject({ digests: uncovered, manifests: 0, idDirectory: 0 });
    expect(reads.idDirectoryRanged).toBeGreaterThan(0);
    expect(reads.idDirectoryRanged).toBeLessThanOrEqual(4);
    // Every page, from new instances, lists what the digests alone list, in the same order.
    const expected = [...Array.from({ length: 6000 }, (_, i) => `v${i}`), "new-1", "new-2"].filter(
      (id) => !["v1", "v2", "v3000", "v5999"].includes(id),
    );
    const lister = storage();
    const listerReads = countingReads(lister);
    const viaDirectory = await listEveryId(quietStore(lister), "iddir-list", 97);
    // Pages read the directory 8 pages ahead and keep the run: fewer reads than pages.
    expect(listerReads.idDirectoryRanged).toBeLessThan(viaDirectory.pages);
    expect(listerReads.idDirectoryRanged).toBeGreaterThanOrEqual(
      3 * Math.ceil(viaDirectory.pages / 8),
    );
    const off = storage();
    const viaDigests = await listEveryId(
      quietStore(off, {
        live: new LiveState(off.segments, new ByteBudget(), { directories: false }),
      }),
      "iddir-list",
      97,
    );
    expect(viaDirectory.ids).toEqual(viaDigests.ids);
    expect([...viaDirectory.ids].sort()).toEqual(expected.sort());
    expect(viaDirectory.pages).toBe(Math.ceil(expected.length / 97));
    // Most of the directory's ids deleted since: a page reads further runs of it until the
    // newer words settle the page.
    const gone = Array.from({ length: 5000 }, (_, i) => `v${i + 500}`).filter(
      (id) => id !== "v3000" && id !== "v5499",
    );
    await writer.deleteVectors("iddir-list", gone);
    const sparse = await listEveryId(quietStore(storage()), "iddir-list", 7);
    const sparseDigests = await listEveryId(
      quietStore(off, {
        live: new LiveState(off.segments, new ByteBudget(), { directories: false }),
      }),
      "iddir-list",
      7,
    );
    expect(sparse.ids).toEqual(sparseDigests.ids);
    expect(sparse.ids).toHaveLength(expected.length - gone.length);
  });

  it("takes the names of one write's segments from their segment directories", async () => {
    // Every segment is full and has a segment directory: a build reads digests and names
    // sections, no manifest.
    const parts = storage(1);
    const writer = quietStore(parts);
    await writtenIndex(writer, "iddir-names", 4, 50);
    await writer.deleteVectors("iddir-names", ["v3", "v120"]);
    const reads = countingReads(parts);
    const everyFull = { ...TINY_COMPACTION, maxSegmentBytes: 64 };
    const builder = new IdDirectoryBuilder({ ...parts, policy: everyFull, rebuildWords: 0 });
    expect(await builder.run("iddir-names")).toMatchObject({ live: 198, applied: 5 });
    expect(reads).toMatchObject({ manifests: 0, digests: 5 });
    expect(reads.directory).toBeGreaterThanOrEqual(8);
    const { ids } = await listEveryId(quietStore(storage(1)), "iddir-names", 30);
    const expected = Array.from({ length: 200 }, (_, i) => `v${i}`).filter(
      (id) => id !== "v3" && id !== "v120",
    );
    expect(ids.sort()).toEqual(expected.sort());
    // A directory from before names (entries alone) answers writes; the next run rebuilds it
    // whole, with names: from all 6 segments, not over it from the 1 new one.
    const record = await writer.getIndex("iddir-names");
    const current = record.idDirectory;
    if (!current) throw new Error("no directory was built");
    const bytes = await parts.blobs.get(current.key);
    const entriesOnly = (bytes as Uint8Array).subarray(0, 8 + 12 * current.live);
    const oldKey = `${current.key}-old.live`;
    await parts.blobs.put(oldKey, entriesOnly, "application/octet-stream");
    const { names: _, ...unnamed } = current;
    expect(await parts.catalog.setIdDirectory(record, { ...unnamed, key: oldKey })).not.toBe(
      LOST_RACE,
    );
    expect((await quietStore(storage(1)).upsert("iddir-names", [row("v0", 5)])).count).toBe(198);
    expect(await builder.run("iddir-names")).toMatchObject({ live: 198, applied: 6 });
    expect((await writer.getIndex("iddir-names")).idDirectory?.names).toBe(true);
  });
});
