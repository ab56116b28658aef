import { DEFAULT_DIRECTORY_MIN_BYTES } from "../src/app/segment-store";
import { loadedVector } from "../src/app/vector-read";
import { manifestBytes } from "../src/domain/segment";
import { localTasks } from "../src/local/local-tasks";
import { createServices, type Services } from "../src/wiring";
import { newQuietStore } from "../test/support/stores";
import type { Dataset } from "./datasets";
import type { BenchStack } from "./mnist-stack";
import { median } from "./stats";

/** Interleaved rounds (each reads one id both ways, each on a new instance). */
const ROUNDS = 9;

/**
 * `read`, timed, on a new instance (nothing of the index kept) whose clients are connected (a
 * catalog read of `index`) first.
 */
export async function onNewInstanceOf<T>(
  env: BenchStack,
  index: string,
  read: (services: Services) => Promise<T>,
): Promise<{ ms: number; got: T }> {
  const services = createServices(env.services.settings);
  await services.vectors.getIndex(index);
  try {
    const started = performance.now();
    const got = await read(services);
    return { ms: performance.now() - started, got };
  } finally {
    await services.close();
  }
}

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
  const onNewInstance = (read: (services: Services) => Promise<unknown>) =>
    onNewInstanceOf(env, index, read);
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

/**
 * A read by id from a merged segment whose manifest is large (8,000 MNIST digits, each with a
 * 1 KB text chunk in its metadata, as RAG indexes carry): on an instance holding nothing, the
 * previous code path read the segment's whole manifest; a segment with a directory reads the
 * id's entry, then its id, metadata and values row.
 */
export async function benchDirectoryRead(env: BenchStack, data: Dataset) {
  const index = "mnist-chunks";
  const rows = Math.min(8000, data.baseCount);
  const chunk = "lorem ipsum dolor sit amet, consectetur adipiscing elit ".repeat(18); // 1,008 B
  await env.call("PUT", `/vectors/indexes/${index}`, { dimension: data.dimension, metric: "l2" });
  for (let start = 0; start < rows; start += 250) {
    const vectors = [];
    for (let i = start; i < Math.min(rows, start + 250); i++) {
      const values = Array.from(data.base.subarray(i * data.dimension, (i + 1) * data.dimension));
      vectors.push({ id: `c${i}`, values, metadata: { source: `mnist/${i}`, text: chunk } });
    }
    await env.call("POST", `/vectors/indexes/${index}/vectors`, { vectors });
  }
  await localTasks().drain(); // compactions merge the writes' segments
  const record = await env.services.vectors.getIndex(index);
  const manifests = record.segments.map((ref) => manifestBytes(ref, record.dimension));
  const biggest = Math.max(...manifests);
  /** One read on a new instance whose segments get a directory from `directoryMinBytes` on. */
  const coldRead = async (id: string, directoryMinBytes: number) => {
    const { vectors, close } = newQuietStore(env.services.settings, directoryMinBytes);
    try {
      await vectors.getIndex(index); // connected
      const started = performance.now();
      const got = await vectors.getVector(index, id);
      return { ms: performance.now() - started, got };
    } finally {
      close();
    }
  };
  const ms = { manifest: [] as number[], directory: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const id = `c${(round * 877) % rows}`;
    const ways = [
      async () => {
        const r = await coldRead(id, Number.POSITIVE_INFINITY);
        ms.manifest.push(r.ms);
        return r.got;
      },
      async () => {
        const r = await coldRead(id, DEFAULT_DIRECTORY_MIN_BYTES);
        ms.directory.push(r.ms);
        return r.got;
      },
    ];
    const [a, b] = round % 2 === 0 ? ways : [ways[1], ways[0]];
    if (JSON.stringify(await a?.()) !== JSON.stringify(await b?.())) {
      throw new Error(`point read of ${id}: the two ways answered differently`);
    }
  }
  console.log(
    `\none vector by id from a large merged segment (${rows.toLocaleString("en")} × ${record.dimension}-d with 1 KB of text each; ${record.segments.length} segments, the largest manifest ${(biggest / 2 ** 20).toFixed(1)} MiB), on an instance holding nothing, median of ${ROUNDS} interleaved rounds:`,
  );
  console.log(
    `  reading the whole manifest (previous code path): ${median(ms.manifest).toFixed(1)} ms`,
  );
  console.log(
    `  through the segment's directory: ${median(ms.directory).toFixed(1)} ms -> ${(median(ms.manifest) / median(ms.directory)).toFixed(1)}x faster`,
  );
}
