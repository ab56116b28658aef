import { percentile } from "../src/domain/trial-metrics";
import { manySegmentIndex } from "./id-listing";
import type { BenchStack } from "./mnist-stack";

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
}
