import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CompactionPolicy } from "../../src/domain/compaction";
import { NotFoundError } from "../../src/domain/errors";
import { useLocalStack } from "../support/stacks";
import { listEveryId, storesOn, TINY_COMPACTION } from "../support/stores";

// Random sequences of writes and compactions against the emulators, compared with a plain model
// that replays the same writes: the stored index must always be exactly the model.

const env = useLocalStack();

const { storage, quietStore, storeAndCompactor } = storesOn(env);

/** Merged segments (not those of one small write) get a directory. */
const MODEL_DIRECTORY_BYTES = 256;

/**
 * Segments of a few rows are full, and every full one at the head of the catalog item moves to a
 * list object: folds, and merges and purges of listed segments, happen in most sequences.
 */
const FOLDING: CompactionPolicy = { ...TINY_COMPACTION, maxSegmentBytes: 300, foldFull: 1 };
/** Sequences in which folds happen (17 in 20 runs) and merges or purges rewrite lists (4). */
const FOLDING_SEED = 3;

type Row = { values: number[]; metadata: Record<string, unknown> | null };
const ID = fc.integer({ min: 0, max: 9 }).map((i) => `id${i}`);
const VALUES = fc.tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 }));
const COMMAND = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("upsert" as const),
      rows: fc.uniqueArray(fc.tuple(ID, VALUES, fc.option(fc.string({ maxLength: 4 }))), {
        minLength: 1,
        maxLength: 4,
        selector: ([id]) => id,
      }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), id: ID }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("deleteMany" as const),
      ids: fc.uniqueArray(ID, { minLength: 1, maxLength: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("compact" as const) }) },
  {
    weight: 1,
    // Writers on disjoint ids at once (the final state is then the same in any order), with a
    // compaction running beside them.
    arbitrary: fc.record({
      kind: fc.constant("concurrent" as const),
      writers: fc.integer({ min: 2, max: 4 }),
      value: fc.integer({ min: 0, max: 9 }),
    }),
  },
);

describe("storage against a plain model", () => {
  it.each([
    ["", TINY_COMPACTION],
    [", with folds of the catalog's segment list", FOLDING],
  ])(
    "keeps ids, values, metadata and count equal to replayed writes, through any sequence%s",
    async (_, policy) => {
      const { vectors, compactor: compactorOf } = storeAndCompactor(MODEL_DIRECTORY_BYTES, policy);
      const done = { folds: 0 };
      const compactor = {
        run: async (name: string) => {
          const report = await compactorOf.run(name);
          done.folds += report.folds;
          return report;
        },
      };
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(COMMAND, { minLength: 1, maxLength: 18 }), async (commands) => {
          const name = `model-${policy === FOLDING ? "folding" : "tiny"}-${run++}`;
          await vectors.createIndex(name, { dimension: 2, metric: "l2" });
          const model = new Map<string, Row>();
          let writes = 0;
          for (const command of commands) {
            if (command.kind === "upsert") {
              const input = command.rows.map(([id, [x, y], tag]) => ({
                id,
                values: [x, y],
                ...(tag === null ? {} : { metadata: { tag } }),
              }));
              const result = await vectors.upsert(name, input);
              writes++;
              for (const v of input) {
                model.set(v.id, { values: v.values, metadata: v.metadata ?? null });
              }
              expect(result.count).toBe(model.size);
            } else if (command.kind === "delete") {
              if (model.has(command.id)) {
                await vectors.deleteVector(name, command.id);
                model.delete(command.id);
                writes++;
              } else {
                await expect(vectors.deleteVector(name, command.id)).rejects.toThrow(NotFoundError);
              }
            } else if (command.kind === "deleteMany") {
              const live = command.ids.filter((id) => model.has(id));
              const result = await vectors.deleteVectors(name, command.ids);
              expect(result.deleted).toBe(live.length);
              for (const id of live) model.delete(id);
              expect(result.count).toBe(model.size);
              // Only a batch that deleted something is a write.
              if (live.length > 0) writes++;
            } else if (command.kind === "compact") {
              await compactor.run(name);
            } else {
              const writers = Array.from({ length: command.writers }, (_, w) => {
                const id = `w${w}`;
                model.set(id, { values: [command.value, w], metadata: null });
                writes++;
                return vectors.upsert(name, [{ id, values: [command.value, w] }]);
              });
              await Promise.all([...writers, compactor.run(name)]);
            }
          }
          await compactor.run(name);
          const record = await vectors.getIndex(name);
          const loaded = await vectors.load(record);
          const stored = new Map(
            loaded.ids.map((id, r) => [
              id,
              { values: loaded.raw(r), metadata: loaded.metadata[r] ?? null },
            ]),
          );
          expect(stored).toEqual(model);
          // One vector at a time, on an instance that holds nothing: read alone (through the
          // directories of the segments that have one), the same.
          const cold = quietStore(storage(MODEL_DIRECTORY_BYTES));
          const ids = [...Array.from({ length: 10 }, (_, i) => `id${i}`), "w0", "w1", "w2", "w3"];
          for (const id of ids) {
            const want = model.get(id);
            if (want) expect(await cold.getVector(name, id)).toEqual({ id, ...want });
            else await expect(cold.getVector(name, id)).rejects.toThrow(NotFoundError);
          }
          // Every id listed once, pages of 3 (through the merged segments' directories).
          const { ids: listed } = await listEveryId(cold, name, 3);
          expect(listed.slice().sort()).toEqual([...model.keys()].sort());
          expect(record.count).toBe(model.size);
          expect(record.dataVersion).toBe(writes);
        }),
        // The folding run's sequences are fixed, so the coverage asserted below holds every time.
        { numRuns: 20, ...(policy === FOLDING ? { seed: FOLDING_SEED } : {}) },
      );
      if (policy === FOLDING) {
        // Concurrent commands race their compaction, so only the folds are asserted (the list
        // rewrites of a purge are covered in catalog-folds.test.ts).
        expect(done.folds).toBeGreaterThan(0);
      }
    },
    180_000,
  );
});
