import type { VectorStore } from "../src/app/vector-store";
import { percentile } from "../src/domain/trial-metrics";
import { newQuietStore } from "../test/support/stores";
import { manySegmentIndex } from "./id-listing";
import type { BenchStack } from "./mnist-stack";
import { median } from "./stats";

/** Rounds of the cold and warm one-vector writes (interleaved). */
const ONE_VECTOR_ROUNDS = 7;

/** Writes timed (the first `WARM` of them not counted). */
const WRITES = 30;
const WARM = 10;

/**
 * A write of 1,000 new 4-d vectors into an index of 100 unmerged segments of 10,000 ids each (and
 * the segments the writes add: no compaction runs), on the warm writer that wrote them (its
 * digests kept): what a write costs where segments are many, as in an index of a million
 * 1,536-d vectors. No baseline runs in the same process: the previous code path is measured by
 * running this bench on the previous commit.
 */
export async function benchSegmentWrites(env: BenchStack) {
  const name = "segment-writes";
  const writer = await manySegmentIndex(env, name, 100, 10_000);
  const ms: number[] = [];
  for (let w = 0; w < WRITES; w++) {
    const started = performance.now();
    await writer.upsert(
      name,
      Array.from({ length: 1000 }, (_, i) => ({ id: `new-${w}-${i}`, values: [w, i, 0, 0] })),
    );
    if (w >= WARM) ms.push(performance.now() - started);
  }
  const sorted = Float64Array.from(ms).sort();
  console.log(
    `\nwrites of 1,000 new ids into an index of 100-${100 + WRITES} segments (10,000 ids each), warm writer, the last ${WRITES - WARM} of ${WRITES}: p50 ${percentile(sorted, 50).toFixed(1)} ms, p90 ${percentile(sorted, 90).toFixed(1)} ms`,
  );
  await coldWrites(env, name, writer);
}

/**
 * The one cost of a write that grows with the index: a writer holding nothing of it (a new
 * instance) reads every segment's id digest, 8 bytes per stored row, before its first write.
 * One-vector writes on a new instance each round vs on the warm writer, interleaved, medians.
 */
async function coldWrites(env: BenchStack, name: string, warm: VectorStore) {
  const { settings } = env.services;
  const record = await warm.getIndex(name);
  const rows = record.segments.reduce((n, s) => n + s.vectors + s.deletes, 0);
  const cold: number[] = [];
  const held: number[] = [];
  const write = async (store: VectorStore, id: string) => {
    const started = performance.now();
    await store.upsert(name, [{ id, values: [1, 2, 3, 4] }]);
    return performance.now() - started;
  };
  for (let r = 0; r < ONE_VECTOR_ROUNDS; r++) {
    const fresh = newQuietStore(settings);
    try {
      // Its clients connected first (a start is not the write's cost): it reads the record once.
      await fresh.vectors.getIndex(name);
      cold.push(await write(fresh.vectors, `cold-${r}`));
    } finally {
      fresh.close();
    }
    held.push(await write(warm, `warm-${r}`));
  }
  console.log(
    `  one-vector writes into the same index (${record.segments.length} segments, ${rows.toLocaleString("en")} rows, digests ${((rows * 8) / 2 ** 20).toFixed(1)} MiB), median of ${ONE_VECTOR_ROUNDS} interleaved rounds: a new instance's first write ${median(cold).toFixed(1)} ms vs the warm writer's ${median(held).toFixed(1)} ms -> ${(median(cold) / median(held)).toFixed(1)}×`,
  );
}
