import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { FOLDED_NOTE } from "../../src/adapters/dynamo-segment-updates";
import { ByteBudget } from "../../src/app/byte-budget";
import type { CompactionPolicy } from "../../src/domain/compaction";
import { createCatalog } from "../../src/wiring";
import {
  batch,
  beforeUpdates,
  DIMENSION,
  foldFixtures,
  POLICY,
  raceUpdates,
} from "../support/catalog-folds";
import { useLocalStack } from "../support/stacks";

// The catalog item of an index keeps the segments that still change; full ones move into
// immutable list objects (folds), so the item every write rewrites stays small.

const env = useLocalStack();
const { storage, quietStore, setup, compactorOn } = foldFixtures(env);

/** The same, never folding: the catalog item lists every segment, as before folds. */
const NEVER_FOLDING: CompactionPolicy = { ...POLICY, foldFull: Number.POSITIVE_INFINITY };

describe("folds of the catalog's segment list", () => {
  it("moves full segments into a list object, keeping their order and every vector", async () => {
    const { vectors, compactor, item, catalog } = setup();
    await vectors.createIndex("fold-order", { dimension: DIMENSION, metric: "l2" });
    for (let b = 0; b < 10; b++) await vectors.upsert("fold-order", batch(b));
    const before = (await catalog.get("fold-order"))?.segments.map((s) => s.id);
    expect(before).toHaveLength(10);
    expect((await item("fold-order")).own).toHaveLength(10);

    expect(await compactor.run("fold-order")).toMatchObject({ folds: 1, merges: 0 });
    const stored = await item("fold-order");
    expect(stored.own).toHaveLength(0);
    // Code from before folds reads `segments` as the whole list: it finds a note, and fails on it
    // rather than taking the item's own segments for every segment.
    expect(stored.segments).toBe(FOLDED_NOTE);
    const record = await catalog.get("fold-order");
    expect(record?.segmentList).toEqual({ key: stored.segment_list?.key, count: 10 });
    expect(record?.segments.map((s) => s.id)).toEqual(before);
    // The index listing of a new instance reads the list object too.
    const listed = await storage().catalog.list(1000);
    const found = listed.items.find((r) => r.name === "fold-order");
    expect(found?.segments.map((s) => s.id)).toEqual(before);

    // Writes append after the listed segments; a later write of an id wins over a listed one.
    await vectors.upsert("fold-order", batch(3, "again"));
    const after = await catalog.get("fold-order");
    expect(after?.segments.map((s) => s.id).slice(0, 10)).toEqual(before);
    expect(after?.segments).toHaveLength(11);
    expect((await item("fold-order")).own).toHaveLength(1);
    const cold = quietStore(storage());
    expect((await cold.getVector("fold-order", "b3-5")).metadata).toEqual({ tag: "again" });
    expect((await cold.getVector("fold-order", "b9-7")).values.slice(0, 2)).toEqual([9, 7]);
    expect((await cold.getIndex("fold-order")).count).toBe(80);
  });

  it("keeps the item's size flat while the list grows, where it grew with every segment", async () => {
    const folding = setup();
    const listing = setup(NEVER_FOLDING);
    const sizes = { folding: [] as number[], listing: [] as number[] };
    for (const [name, s] of [
      ["fold-flat", folding],
      ["fold-never", listing],
    ] as const) {
      await s.vectors.createIndex(name, { dimension: DIMENSION, metric: "l2" });
      for (let round = 0; round < 5; round++) {
        for (let b = 0; b < 8; b++) await s.vectors.upsert(name, batch(round * 8 + b));
        await s.compactor.run(name);
        sizes[name === "fold-flat" ? "folding" : "listing"].push((await s.item(name)).bytes);
      }
      expect((await s.catalog.get(name))?.segments).toHaveLength(40);
    }
    // From 8 to 40 segments: the folding item holds none of them (only its numbers grow a digit);
    // the other one holds them all.
    expect(Math.max(...sizes.folding) - Math.min(...sizes.folding)).toBeLessThan(8);
    expect(sizes.listing.at(-1)).toBeGreaterThan(3 * (sizes.listing[0] as number));
    expect(sizes.listing.at(-1)).toBeGreaterThan(5 * (sizes.folding.at(-1) as number));
  });

  it("loses no write of 24 concurrent writers racing folds", async () => {
    const { vectors, compactor, catalog } = setup();
    await vectors.createIndex("fold-race", { dimension: DIMENSION, metric: "l2" });
    for (let b = 0; b < 8; b++) await vectors.upsert("fold-race", batch(b));
    let writing = true;
    const compacting = (async () => {
      let folds = 0;
      while (writing) folds += (await compactor.run("fold-race")).folds;
      return folds + (await compactor.run("fold-race")).folds;
    })();
    await Promise.all(
      Array.from({ length: 24 }, (_, w) => vectors.upsert("fold-race", batch(100 + w))),
    );
    writing = false;
    expect(await compacting).toBeGreaterThan(0);
    const record = await catalog.get("fold-race");
    expect(record?.dataVersion).toBe(32);
    expect(record?.count).toBe(32 * 8);
    expect(record?.segmentList?.count).toBeGreaterThanOrEqual(28);
    const cold = quietStore(storage());
    for (const w of [0, 7, 100, 111, 123]) {
      expect((await cold.getVector("fold-race", `b${w}-4`)).values.slice(0, 2)).toEqual([w, 4]);
    }
  });

  it("re-reads the item when the list it named was replaced and swept meanwhile", async () => {
    const { vectors, compactor, blobs, clients, item } = setup(POLICY, true);
    await vectors.createIndex("fold-swept", { dimension: DIMENSION, metric: "l2" });
    for (let b = 0; b < 4; b++) await vectors.upsert("fold-swept", batch(b));
    await compactor.run("fold-swept");
    const stale = await clients.doc.send(
      new GetCommand({ TableName: env.stack.settings.tables.indexes, Key: { name: "fold-swept" } }),
    );
    const first = (await item("fold-swept")).segment_list?.key as string;
    for (let b = 4; b < 8; b++) await vectors.upsert("fold-swept", batch(b));
    // The second fold replaces the list; the sweep (no grace here) removes the first one.
    expect(await compactor.run("fold-swept")).toMatchObject({ folds: 1, swept: 1 });
    const second = (await item("fold-swept")).segment_list?.key as string;
    expect(second).not.toBe(first);
    expect(await blobs.get(first)).toBeUndefined();
    expect(await blobs.get(second)).toBeDefined();

    // A reader whose first read of the item still named the swept list (fault injection: the
    // emulator answers that read with the item as it was), on an instance that holds no list.
    const reader = storage();
    const send = reader.clients.doc.send.bind(reader.clients.doc) as (c: unknown) => unknown;
    let served = 0;
    (reader.clients.doc as { send: unknown }).send = async (command: unknown) =>
      command instanceof GetCommand && served++ === 0 ? stale : send(command);
    const record = await reader.catalog.get("fold-swept");
    expect(served).toBe(2);
    expect(record?.segmentList).toEqual({ key: second, count: 8 });
    expect(record?.segments).toHaveLength(8);
  });

  it("keeps each index's list in the instance's byte budget: read once per fold, again once given up", async () => {
    const { vectors, compactor } = setup();
    for (const name of ["fold-kept-a", "fold-kept-b"]) {
      await vectors.createIndex(name, { dimension: DIMENSION, metric: "l2" });
      for (let b = 0; b < 4; b++) await vectors.upsert(name, batch(b));
      await compactor.run(name);
    }
    const { clients, blobs } = storage();
    const listReads: string[] = [];
    const get = blobs.get.bind(blobs);
    blobs.get = (key) => {
      if (key.includes("/catalog/")) listReads.push(key);
      return get(key);
    };
    const budget = new ByteBudget();
    const reader = createCatalog(env.stack.settings, clients, blobs, budget);
    for (let r = 0; r < 3; r++) await reader.get("fold-kept-a");
    expect(listReads).toHaveLength(1);
    const kept = budget.bytes("lists/");
    // About twice the list's JSON: 4 entries of about 120 bytes.
    expect(kept).toBeGreaterThan(2 * 4 * 80);
    expect(kept).toBeLessThan(2 * 4 * 200);
    // A budget that holds one list: reading the other index's gives the first one's up.
    const small = new ByteBudget(kept);
    const tight = createCatalog(env.stack.settings, clients, blobs, small);
    listReads.length = 0;
    await tight.get("fold-kept-a");
    await tight.get("fold-kept-b");
    await tight.get("fold-kept-b");
    await tight.get("fold-kept-a");
    expect(listReads.map((k) => k.split("/")[1])).toEqual([
      "fold-kept-a",
      "fold-kept-b",
      "fold-kept-a",
    ]);
  });

  it("rewrites the list when a purge or a merge reaches into the listed segments, keeping the data", async () => {
    const { vectors, compactor, catalog, item } = setup({ ...POLICY, purgeSlack: 0 });
    await vectors.createIndex("fold-relist", { dimension: DIMENSION, metric: "l2" });
    for (let b = 0; b < 4; b++) await vectors.upsert("fold-relist", batch(b));
    // A small segment after the four full ones: the fold leaves it at the head of the item.
    await vectors.upsert("fold-relist", batch(50).slice(0, 2));
    expect(await compactor.run("fold-relist")).toMatchObject({ folds: 1, merges: 0, purges: 0 });
    const first = await catalog.get("fold-relist");
    expect(first?.segmentList?.count).toBe(4);
    const [b0, b1, b2, b3, small] = first?.segments.map((s) => s.id) ?? [];

    // 6 of the last listed segment's 8 rows written again: the purge rewrites it with 2 rows (a
    // new list), and that small segment then merges with the small one at the head of the item
    // (a merge across the boundary: another new list, holding the merged segment).
    await vectors.upsert("fold-relist", batch(3, "again").slice(0, 6));
    const report = await compactor.run("fold-relist");
    expect(report).toMatchObject({ folds: 0, purges: 1, merges: 1 });
    const after = await catalog.get("fold-relist");
    const ids = after?.segments.map((s) => s.id) ?? [];
    expect(ids.slice(0, 3)).toEqual([b0, b1, b2]);
    expect(ids).not.toContain(b3);
    expect(ids).not.toContain(small);
    expect(after?.segmentList?.count).toBe(4);
    expect(after?.segmentList?.key).not.toBe(first?.segmentList?.key);
    expect((await item("fold-relist")).own).toHaveLength(1);

    const cold = quietStore(storage());
    expect((await cold.getIndex("fold-relist")).count).toBe(34);
    expect((await cold.getVector("fold-relist", "b3-0")).metadata).toEqual({ tag: "again" });
    expect((await cold.getVector("fold-relist", "b3-7")).metadata).toBeNull();
    expect((await cold.getVector("fold-relist", "b50-1")).values.slice(0, 2)).toEqual([50, 1]);
    expect((await cold.getVector("fold-relist", "b1-3")).values.slice(0, 2)).toEqual([1, 3]);
  });

  it("folds an item for the first time in one try while writes append, leaving one list object", async () => {
    const { vectors, blobs } = setup();
    await vectors.createIndex("fold-first", { dimension: DIMENSION, metric: "l2" });
    for (let b = 0; b < 4; b++) await vectors.upsert("fold-first", batch(b));
    // The compaction's own clients: just before each of its first fold's two updates (the split,
    // then the relist), a write appends (fault injection: the race made certain).
    const compacting = storage();
    const updates = raceUpdates(compacting, [
      ["split", "#recent = #segments", () => vectors.upsert("fold-first", batch(4))],
      ["relist", "SET #segment_list = :list", () => vectors.upsert("fold-first", batch(5))],
    ]);
    const listsWritten: string[] = [];
    const put = compacting.blobs.put.bind(compacting.blobs);
    compacting.blobs.put = (key, body, type) => {
      if (key.includes("/catalog/")) listsWritten.push(key);
      return put(key, body, type);
    };
    expect(await compactorOn(compacting).run("fold-first")).toMatchObject({ folds: 1 });
    // Neither update lost to the appends: each went once. Two list objects were written (the
    // split's of no segments, then the fold's), and the first is gone.
    expect(updates).toEqual({ split: 1, relist: 1 });
    expect(listsWritten).toHaveLength(2);
    const record = await compacting.catalog.get("fold-first");
    expect(record?.segmentList?.count).toBe(4);
    expect(record?.segments).toHaveLength(6);
    expect(record?.dataVersion).toBe(6);
    const root = `indexes/fold-first/${record?.uid}/catalog/`;
    expect((await blobs.list(root)).map((o) => o.key)).toEqual([record?.segmentList?.key]);
    const cold = quietStore(storage());
    expect((await cold.getVector("fold-first", "b4-2")).values.slice(0, 2)).toEqual([4, 2]);
    expect((await cold.getVector("fold-first", "b5-7")).values.slice(0, 2)).toEqual([5, 7]);
  });

  it("stops a run whose folds keep losing, leaving no list object behind", async () => {
    const { vectors } = setup();
    await vectors.createIndex("fold-stuck", { dimension: DIMENSION, metric: "l2" });
    for (let b = 0; b < 4; b++) await vectors.upsert("fold-stuck", batch(b));
    // Every fold's update is refused as if its condition failed (fault injection: what only a
    // bug or a hand edit of the item could cause).
    const stuck = storage();
    let refused = 0;
    beforeUpdates(stuck, async (expression) => {
      if (!expression.startsWith("SET #segment_list = :list")) return;
      refused++;
      throw Object.assign(new Error("The conditional request failed"), {
        name: "ConditionalCheckFailedException",
      });
    });
    const report = await compactorOn(stuck).run("fold-stuck");
    expect(report).toMatchObject({ folds: 0, more: true });
    expect(refused).toBe(20);
    // The split landed; each lost fold deleted its object: only the split's list of none is left.
    const record = await stuck.catalog.get("fold-stuck");
    expect(record?.segmentList?.count).toBe(0);
    const root = `indexes/fold-stuck/${record?.uid}/catalog/`;
    expect((await stuck.blobs.list(root)).map((o) => o.key)).toEqual([record?.segmentList?.key]);
    expect((await quietStore(storage()).getIndex("fold-stuck")).count).toBe(32);
    // The next run, with nothing refused, folds the split item and deletes the list of none.
    expect(await compactorOn(storage()).run("fold-stuck")).toMatchObject({ folds: 1 });
    const folded = await stuck.catalog.get("fold-stuck");
    expect(folded?.segmentList?.count).toBe(4);
    expect((await stuck.blobs.list(root)).map((o) => o.key)).toEqual([folded?.segmentList?.key]);
  });
});
