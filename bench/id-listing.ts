import type { VectorStore } from "../src/app/vector-store";
import type { Services } from "../src/wiring";
import { newQuietStore } from "../test/support/stores";
import type { BenchStack } from "./mnist-stack";
import { onNewInstanceOf } from "./point-read";
import { median } from "./stats";

/** Interleaved rounds (each lists the index both ways, each on a new instance). */
const ROUNDS = 5;

/** Pages of 1,000 a listing of `count` ids takes. */
const pages = (count: number) => Math.max(1, Math.ceil(count / 1000));

/** Every live id of `index` through `GET …/vectors` pages of `limit`, as the use case serves them. */
async function listAll(services: Services, index: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let token: string | undefined;
  do {
    const page = await services.vectors.listVectorIds(index, limit, token);
    ids.push(...page.items);
    token = page.next;
  } while (token);
  return ids;
}

/**
 * Listing every id of an index on an instance that holds nothing of it. There was no listing
 * before; the baseline is what a caller of the service could do without one, in the same
 * process: load the index (every value) and take its ids.
 */
export async function benchIdListing(env: BenchStack, indexes: readonly string[]) {
  console.log(
    `\nlisting every id on an instance holding nothing of the index, pages of 1,000, median of ${ROUNDS} interleaved rounds:`,
  );
  for (const index of indexes) {
    const record = await env.services.vectors.getIndex(index);
    const ms = { load: [] as number[], list: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      const ways = [
        async () => {
          const r = await onNewInstanceOf(env, index, async (s) =>
            (await s.vectors.load(await s.vectors.getIndex(index))).ids.slice(),
          );
          ms.load.push(r.ms);
          return r.got;
        },
        async () => {
          const r = await onNewInstanceOf(env, index, (s) => listAll(s, index, 1000));
          ms.list.push(r.ms);
          return r.got;
        },
      ];
      const [a, b] = round % 2 === 0 ? ways : [ways[1], ways[0]];
      const first = ((await a?.()) ?? []).slice().sort();
      const second = ((await b?.()) ?? []).slice().sort();
      if (JSON.stringify(first) !== JSON.stringify(second)) {
        throw new Error(`listing ${index}: the two ways found different ids`);
      }
    }
    console.log(
      `  ${index} (${record.count.toLocaleString("en")} × ${record.dimension}-d, ${record.segments.length} segments): loading the index ${median(ms.load).toFixed(1)} ms, listing ${median(ms.list).toFixed(1)} ms (${(median(ms.list) / pages(record.count)).toFixed(1)} ms a page) -> load ÷ list ${(median(ms.load) / median(ms.list)).toFixed(2)}`,
    );
  }
}

/**
 * Index `name` of `segments` unmerged segments of `per` 4-d vectors each, no metadata (written by
 * a store that starts no compaction): every segment is listed through its manifest, and every
 * page of 1,000 touches nearly all of them, as in an index of high-dimensional vectors (a full
 * 64 MiB segment holds 10,922 vectors of 1,536-d, whose manifest is far under 1 MiB). Returns
 * the store that wrote it (warm: it holds the index's digests).
 */
export async function manySegmentIndex(
  env: BenchStack,
  name: string,
  segments: number,
  per: number,
): Promise<VectorStore> {
  const quiet = newQuietStore(env.services.settings).vectors;
  await quiet.createIndex(name, { dimension: 4, metric: "l2" });
  for (let s = 0; s < segments; s++) {
    await quiet.upsert(
      name,
      Array.from({ length: per }, (_, i) => ({ id: `doc-${s}-${i}`, values: [s, i, 1, 2] })),
    );
  }
  return quiet;
}
