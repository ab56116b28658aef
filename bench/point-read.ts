import { loadedVector } from "../src/app/vector-read";
import { percentile } from "../src/domain/trial-metrics";
import { localTasks } from "../src/local/local-tasks";
import { createServices, type Services } from "../src/wiring";
import type { BenchStack } from "./mnist-stack";

/** Interleaved rounds (each reads one id both ways, each on a new instance). */
const ROUNDS = 9;

/**
 * `GET …/vectors/{id}` on an instance that holds nothing of the index (a cold function, or one
 * whose budget gave the index up): the previous code path loaded every vector of the index to
 * answer; the read alone reads the id digests, one manifest and one ranged read of the row.
 * Also the read alone on the same instance again (digests kept).
 */
export async function benchPointRead(env: BenchStack, index: string) {
  await localTasks().drain();
  const record = await env.services.vectors.getIndex(index);
  const ids = Array.from({ length: ROUNDS }, (_, i) => `d${(i * 877) % record.count}`);
  /** `read` on a new instance whose clients are connected (a catalog read) first. */
  const onNewInstance = async (read: (services: Services) => Promise<unknown>) => {
    const services = createServices(env.services.settings);
    await services.vectors.getIndex(index);
    try {
      const started = performance.now();
      const got = await read(services);
      return { ms: performance.now() - started, got, services };
    } finally {
      await services.close();
    }
  };
  const ms = { load: [] as number[], alone: [] as number[], again: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const id = ids[round] as string;
    const ways = [
      async () => {
        const r = await onNewInstance(async (s) =>
          loadedVector(await s.vectors.load(await s.vectors.getIndex(index)), id),
        );
        ms.load.push(r.ms);
        return r.got;
      },
      async () => {
        const r = await onNewInstance(async (s) => {
          const first = await s.vectors.getVector(index, id);
          const started = performance.now();
          await s.vectors.getVector(index, ids[(round + 1) % ROUNDS] as string);
          ms.again.push(performance.now() - started);
          return first;
        });
        ms.alone.push(r.ms);
        return r.got;
      },
    ];
    // Alternating which goes first, so the VM's drift falls on both alike.
    const [a, b] = round % 2 === 0 ? ways : [ways[1], ways[0]];
    const first = await a?.();
    const second = await b?.();
    if (JSON.stringify(first) !== JSON.stringify(second)) {
      throw new Error(`point read of ${id}: the two ways answered differently`);
    }
  }
  const median = (xs: number[]) => percentile(Float64Array.from(xs).sort(), 50);
  console.log(
    `\none vector by id on an instance holding nothing of the index (${record.count.toLocaleString("en")} × ${record.dimension}-d, ${record.segments.length} segments), median of ${ROUNDS} interleaved rounds:`,
  );
  console.log(`  loading the index (previous code path): ${median(ms.load).toFixed(1)} ms`);
  console.log(
    `  read alone (digests, manifest, one ranged read): ${median(ms.alone).toFixed(1)} ms -> ${(median(ms.load) / median(ms.alone)).toFixed(1)}x faster`,
  );
  console.log(
    `  read alone again on that instance (digests and manifests kept): ${median(ms.again).toFixed(1)} ms`,
  );
}
