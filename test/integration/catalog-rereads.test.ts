import { describe, expect, it } from "vitest";
import { MissingSegmentError } from "../../src/app/segment-store";
import { useLocalStack } from "../support/stacks";
import { storesOn } from "../support/stores";

// Readers and writers whose segment list a compaction changed under them: the catalog is read
// afresh, a bounded number of times.

const env = useLocalStack();

const { storage, quietStore } = storesOn(env);

describe("readers holding a segment list that compactions keep changing", () => {
  /** A store whose next `misses` id-digest reads find the segment gone, as after a compaction. */
  function storeMissing(misses: number) {
    const parts = storage();
    const { segments } = parts;
    const read = segments.readDigest.bind(segments);
    let left = 0;
    segments.readDigest = (index, ref) => {
      if (left-- > 0) return Promise.reject(new MissingSegmentError(`${ref.id} compacted away`));
      return read(index, ref);
    };
    return { vectors: quietStore(parts), missNext: () => (left = misses) };
  }

  it("re-read the catalog up to 3 times, then let the miss fail", async () => {
    const row = (id: string) => [{ id, values: [1, 2] }];
    const patient = storeMissing(3);
    await patient.vectors.createIndex("missing-3", { dimension: 2, metric: "l2" });
    await patient.vectors.upsert("missing-3", row("a"));
    patient.missNext();
    expect((await patient.vectors.upsert("missing-3", row("b"))).count).toBe(2);
    const beaten = storeMissing(4);
    await beaten.vectors.createIndex("missing-4", { dimension: 2, metric: "l2" });
    await beaten.vectors.upsert("missing-4", row("a"));
    beaten.missNext();
    await expect(beaten.vectors.upsert("missing-4", row("b"))).rejects.toThrow(MissingSegmentError);
    expect((await beaten.vectors.getIndex("missing-4")).count).toBe(1);
  });
});
