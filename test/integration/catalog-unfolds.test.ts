import { describe, expect, it } from "vitest";
import {
  batch,
  beforeUpdates,
  DIMENSION,
  foldFixtures,
  POLICY,
  raceUpdates,
} from "../support/catalog-folds";
import { useLocalStack } from "../support/stacks";

// Rolling back to code from before folds: with folds off, compaction moves every listed segment
// back into the catalog item, where that code reads them.

const env = useLocalStack();
const { storage, quietStore, setup, compactorOn } = foldFixtures(env);

describe("unfolds of the catalog's segment list (folds off)", () => {
  it("unfolds with folds off: every segment back in `segments`, as code from before folds reads it", async () => {
    const { vectors, compactor, item } = setup();
    await vectors.createIndex("fold-back", { dimension: DIMENSION, metric: "l2" });
    for (let b = 0; b < 10; b++) await vectors.upsert("fold-back", batch(b));
    expect(await compactor.run("fold-back")).toMatchObject({ folds: 1 });
    const folded = await vectors.getIndex("fold-back");
    const ids = (await storage().catalog.get("fold-back"))?.segments.map((s) => s.id);
    expect(ids).toHaveLength(10);
    // Folds off (`VECTORD_CATALOG_FOLDS=off`): a write finds an unfold due, and it lands in one
    // try though a write appends just before it.
    const unfolding = storage();
    const off = compactorOn(unfolding, { ...POLICY, folds: false });
    expect(off.due((await unfolding.catalog.get("fold-back")) as never)).toBe(true);
    const updates = raceUpdates(unfolding, [
      ["unfold", "list_append(:listed, #recent)", () => vectors.upsert("fold-back", batch(10))],
    ]);
    expect(await off.run("fold-back")).toMatchObject({ unfolds: 1, folds: 0 });
    expect(updates).toEqual({ unfold: 1 });
    const stored = await item("fold-back");
    expect(stored.segment_list).toBeUndefined();
    expect(stored.recent_segments).toBeUndefined();
    expect((stored.segments as { id: string }[]).map((s) => s.id)).toEqual([
      ...(ids as string[]),
      expect.any(String),
    ]);
    const record = await unfolding.catalog.get("fold-back");
    expect(record?.segmentList).toBeUndefined();
    expect(off.due(record as never)).toBe(false);
    // Writes go on appending to `segments`; nothing folds again while folds are off.
    await vectors.upsert("fold-back", batch(11));
    expect(await off.run("fold-back")).toMatchObject({ unfolds: 0, folds: 0 });
    expect((await item("fold-back")).segments).toHaveLength(12);
    const cold = quietStore(storage());
    expect((await cold.getIndex("fold-back")).count).toBe(folded.count + 16);
    expect((await cold.getVector("fold-back", "b0-0")).values.slice(0, 2)).toEqual([0, 0]);
    expect((await cold.getVector("fold-back", "b10-3")).values.slice(0, 2)).toEqual([10, 3]);
  });

  it("leaves an index folded when its segments would not fit in the item, marks it, and goes on", async () => {
    const { vectors, compactor, item } = setup();
    await vectors.createIndex("fold-full", { dimension: DIMENSION, metric: "l2" });
    for (let b = 0; b < 4; b++) await vectors.upsert("fold-full", batch(b));
    expect(await compactor.run("fold-full")).toMatchObject({ folds: 1 });
    // DynamoDB (and dynalite) refuse an update past the 400 KB item cap with this error; it is
    // injected here rather than building thousands of segments.
    const unfolding = storage();
    let tries = 0;
    beforeUpdates(unfolding, async (expression) => {
      if (expression.includes("list_append(:listed")) {
        tries++;
        throw Object.assign(
          new Error("Item size to update has exceeded the maximum allowed size"),
          {
            name: "ValidationException",
          },
        );
      }
    });
    const off = compactorOn(unfolding, { ...POLICY, folds: false });
    const record = async () => (await unfolding.catalog.get("fold-full")) as never;
    expect(off.due(await record())).toBe(true);
    expect(await off.run("fold-full")).toMatchObject({ unfolds: 0, more: false });
    expect(tries).toBe(1);
    expect((await unfolding.catalog.get("fold-full"))?.segmentList).toMatchObject({
      count: 4,
      unfoldRefusedAt: 4,
    });
    expect((await item("fold-full")).segment_list).toMatchObject({ unfold_refused_at: 4 });
    // Marked: writes no longer start compactions that would be refused again, nor do runs (the
    // hourly sweep's) try again, while the index has as many segments or more on this list.
    expect(off.due(await record())).toBe(false);
    await vectors.upsert("fold-full", batch(4));
    expect(off.due(await record())).toBe(false);
    expect(await off.run("fold-full")).toMatchObject({ unfolds: 0 });
    expect(tries).toBe(1);
    expect((await quietStore(storage()).getIndex("fold-full")).count).toBe(40);
    // With fewer segments, the item may hold them: due again.
    const now: { segments: unknown[] } = await record();
    expect(now.segments).toHaveLength(5);
    expect(off.due({ ...now, segments: now.segments.slice(0, 4) } as never)).toBe(false);
    expect(off.due({ ...now, segments: now.segments.slice(0, 3) } as never)).toBe(true);
    // A new list object (folds on again, and a fold) carries no mark: due again, tried once more.
    for (let b = 5; b < 8; b++) await vectors.upsert("fold-full", batch(b));
    expect(await compactor.run("fold-full")).toMatchObject({ folds: 1 });
    const relisted = await record();
    expect((relisted as { segmentList: object }).segmentList).toEqual({
      key: expect.any(String),
      count: 8,
    });
    expect(off.due(relisted)).toBe(true);
    expect(await off.run("fold-full")).toMatchObject({ unfolds: 0 });
    expect(tries).toBe(2);
    expect((await item("fold-full")).segment_list).toMatchObject({ unfold_refused_at: 8 });
  });
});
