import { describe, expect, it } from "vitest";
import { LOST_RACE } from "../../src/app/ports";
import type { ActiveGeneration, IndexRecord } from "../../src/domain/index-record";
import { useLocalStack } from "../support/stacks";
import { storesOn } from "../support/stores";

// The catalog's pointer flips (the active generation, the id directory) and settings, each one
// conditional UpdateItem on the item as read: a flip from a stale read loses, and so does one on
// an index deleted and created again under the same name.

const env = useLocalStack();
const { storage, quietStore } = storesOn(env);

/** Generation `generation` of a graph built at data version `version`. */
function generation(generation: number, version: number): ActiveGeneration {
  return {
    generation,
    activations: generation,
    config: { m: 16, ef_construction: 100, ef_search: 50, seed: 100 },
    data_version: version,
    activated_at: new Date(0).toISOString(),
    graph_key: `graphs/g${generation}.bin`,
    rows_key: `graphs/g${generation}.rows`,
  };
}

/** A new index `name` of 2 dimensions, as its catalog record. */
async function fresh(name: string) {
  const parts = storage();
  await quietStore(parts).createIndex(name, { dimension: 2, metric: "l2" });
  const record = await parts.catalog.get(name);
  if (!record) throw new Error(`index "${name}" was not created`);
  return { catalog: parts.catalog, record };
}

/** `result`, failing the test if it lost its race. */
function won(result: IndexRecord | typeof LOST_RACE): IndexRecord {
  if (result === LOST_RACE) throw new Error("the update lost a race it should have won");
  return result;
}

describe("the catalog's pointer flips", () => {
  it("flips the active generation only from the one it read", async () => {
    const { catalog, record } = await fresh("flip-active");
    const first = won(await catalog.setActive(record, generation(1, 0)));
    expect(first.active?.generation).toBe(1);
    // A second first activation (it read no active generation) loses: one flipped meanwhile.
    expect(await catalog.setActive(record, generation(1, 0))).toBe(LOST_RACE);

    const second = won(await catalog.setActive(first, generation(2, 0)));
    // A flip that read generation 1 loses once generation 2 replaced it.
    expect(await catalog.setActive(first, generation(3, 0))).toBe(LOST_RACE);
    expect((await catalog.get("flip-active"))?.active).toEqual(generation(2, 0));
    expect(second.active).toEqual(generation(2, 0));
  });

  it("moves the id directory only from the one it read, and can remove it", async () => {
    const { catalog, record } = await fresh("flip-directory");
    const one = { key: "directories/one", version: 1, live: 4, names: true };
    const two = { key: "directories/two", version: 2, live: 5, names: true };
    const first = won(await catalog.setIdDirectory(record, one));
    expect(first.idDirectory).toEqual(one);
    expect(await catalog.setIdDirectory(record, two)).toBe(LOST_RACE);

    const second = won(await catalog.setIdDirectory(first, two));
    expect(await catalog.setIdDirectory(first, null)).toBe(LOST_RACE);
    const removed = won(await catalog.setIdDirectory(second, null));
    expect(removed.idDirectory).toBeUndefined();
    expect((await catalog.get("flip-directory"))?.idDirectory).toBeUndefined();
  });

  it("replaces the maintenance settings whatever the read, keeping the pointers", async () => {
    const { catalog, record } = await fresh("set-maintenance");
    const active = won(await catalog.setActive(record, generation(1, 0)));
    won(await catalog.setMaintenance(record, { catch_up_fraction: 0.1 }));
    const last = won(await catalog.setMaintenance(record, { rebuild_deleted_fraction: 0.5 }));
    expect(last.maintenance).toEqual({ rebuild_deleted_fraction: 0.5 });
    expect(last.active).toEqual(active.active);
  });

  it("refuses every flip on an index deleted and created again meanwhile", async () => {
    const { catalog, record } = await fresh("flip-incarnation");
    const parts = storage();
    const vectors = quietStore(parts);
    await vectors.deleteIndex("flip-incarnation");
    await vectors.createIndex("flip-incarnation", { dimension: 2, metric: "l2" });

    expect(await catalog.setActive(record, generation(1, 0))).toBe(LOST_RACE);
    expect(await catalog.setIdDirectory(record, null)).toBe(LOST_RACE);
    expect(await catalog.setMaintenance(record, { catch_up_fraction: 0.1 })).toBe(LOST_RACE);
    const now = await catalog.get("flip-incarnation");
    expect(now?.uid).not.toBe(record.uid);
    expect(now?.active).toBeNull();
    expect(now?.maintenance).toBeUndefined();
  });
});
