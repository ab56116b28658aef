import { describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/domain/errors";
import { idDirectoryFixtures } from "../support/id-directories";
import { useLocalStack } from "../support/stacks";
import { countingReads, listEveryId, TINY_COMPACTION } from "../support/stores";

// An index's id directory while writers race: compactions merge, purge and rebuild the directory
// over and over as writers (warm and new instances) upsert and delete, and every count, refused
// delete, read by id and listing agrees with what was acknowledged.

const env = useLocalStack();
const { storage, quietStore, compactorWithDirectory } = idDirectoryFixtures(env);

describe("id directory under concurrent writers", () => {
  it("keeps counts, deletes, reads and listings exact while compactions rebuild it", async () => {
    const parts = storage();
    const index = "iddir-race";
    await quietStore(parts).createIndex(index, { dimension: 2, metric: "l2" });
    // Segments past 256 bytes are full: directories are built at nearly every run.
    const policy = { ...TINY_COMPACTION, maxSegmentBytes: 512 };
    const compactor = compactorWithDirectory(parts, policy);

    // Each writer keeps to ids of its own, so what it acknowledged is exactly what is live.
    const live = new Map<string, number[]>();
    const probes: ReturnType<typeof countingReads>[] = [];
    const writer = async (w: number) => {
      let seed = 11 + w;
      const random = () => {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        return seed / 2 ** 31;
      };
      const warm = quietStore(parts);
      for (let step = 0; step < 25; step++) {
        const ids = [
          ...new Set(
            Array.from(
              { length: 1 + Math.floor(random() * 6) },
              () => `w${w}-${Math.floor(random() * 40)}`,
            ),
          ),
        ];
        // Every other write from a new instance, which asks the directory.
        const fresh = storage();
        const reads = countingReads(fresh);
        const store = step % 2 === 0 ? quietStore(fresh) : warm;
        probes.push(reads);
        if (random() < 0.7) {
          const rows = ids.map((id, i) => ({ id, values: [w, step * 10 + i] }));
          await store.upsert(index, rows);
          for (const row of rows) live.set(row.id, row.values);
        } else {
          const out = await store.deleteVectors(index, ids);
          expect(out.deleted).toBe(ids.filter((id) => live.has(id)).length);
          for (const id of ids) live.delete(id);
          await expect(store.deleteVector(index, ids[0] as string)).rejects.toBeInstanceOf(
            NotFoundError,
          );
        }
      }
    };
    let writing = true;
    let runs = 0;
    let built = 0;
    const compacting = (async () => {
      while (writing) {
        const out = await compactor.run(index);
        runs++;
        if (out.idDirectory) built++;
      }
    })();
    await Promise.all([0, 1, 2, 3].map(writer));
    writing = false;
    await compacting;
    expect(runs).toBeGreaterThan(3);
    expect(built).toBeGreaterThan(1);
    // New instances' writes asked the directories built meanwhile.
    expect(probes.filter((r) => r.idDirectory + r.idDirectoryRanged > 0).length).toBeGreaterThan(5);
    // A last run, so a directory covers most of it, then every check from a new instance.
    await compactor.run(index);
    const record = await quietStore(parts).getIndex(index);
    expect(record.idDirectory?.names).toBe(true);
    expect(record.count).toBe(live.size);
    const cold = quietStore(storage());
    const { ids } = await listEveryId(cold, index, 9);
    expect(ids.sort()).toEqual([...live.keys()].sort());
    const asked = Array.from({ length: 4 }, (_, w) =>
      Array.from({ length: 40 }, (_, i) => `w${w}-${i}`),
    ).flat();
    for (let at = 0; at < asked.length; at += 100) {
      const batch = asked.slice(at, at + 100);
      const got = await quietStore(storage()).getVectors(index, batch);
      expect(got.map((v) => v?.values)).toEqual(batch.map((id) => live.get(id)));
    }
  }, 120_000);
});
