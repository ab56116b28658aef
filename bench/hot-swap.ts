import { S3BlobStore } from "../src/adapters/s3-blob-store";
import { GraphCache } from "../src/app/graph-cache";
import { SearchService } from "../src/app/search-service";
import { createClients } from "../src/clients";
import { seededRandom } from "../src/domain/seeded-random";
import { localTasks } from "../src/local/local-tasks";
import { mnistAll } from "./datasets";
import type { BenchStack } from "./mnist-stack";
import { median } from "./stats";

/** Flips measured (each one a catch-up of new vectors). */
const ROUNDS = 7;
/** Vectors written before each catch-up. */
const WRITES_PER_ROUND = 200;

/**
 * The first search on a warm instance after a flip, all 10,000 MNIST digits (a 32.8 MB graph):
 * with the new generation loading in the background while the held one serves (the default for
 * graphs of 16 MiB and more), against waiting for the load (the previous code path), each on a
 * search service of its own over the same index. Each round writes new vectors, catches the
 * graph up (the flip), then runs one first search per way, in a rotating order, each after the
 * other's load has ended. Medians reported.
 */
export async function benchHotSwap(env: BenchStack) {
  const name = "hot-swap";
  const { dimension, rows: total, data: all } = mnistAll();
  const config = { m: 16, ef_construction: 100, ef_search: 32, seed: 42 };
  await env.call("PUT", `/vectors/indexes/${name}`, {
    dimension,
    metric: "l2",
    maintenance: { catch_up_fraction: 1, catch_up_max_pending: 1_000_000 },
  });
  const digit = (r: number) => Array.from(all.subarray(r * dimension, (r + 1) * dimension));
  for (let i = 0; i < total; i += 500) {
    const vectors = [];
    for (let r = i; r < Math.min(total, i + 500); r++)
      vectors.push({ id: `h${r}`, values: digit(r) });
    await env.call("POST", `/vectors/indexes/${name}/vectors`, { vectors });
  }
  await env.call("POST", `/vectors/hnsw/activate/${name}`, { default_config: config });
  const random = seededRandom(17);
  const noisy = () => digit(Math.floor(random() * total)).map((x) => x + (random() - 0.5) * 0.05);

  const deps = (
    env.services.search as unknown as { deps: ConstructorParameters<typeof SearchService>[0] }
  ).deps;
  const blobs = new S3BlobStore(
    createClients(env.services.settings).s3,
    env.services.settings.bucket,
  );
  const ways = {
    background: new GraphCache(blobs),
    waiting: new GraphCache(blobs, { backgroundLoadBytes: Number.POSITIVE_INFINITY }),
  };
  type Way = keyof typeof ways;
  const services = {
    background: new SearchService({ ...deps, graphs: ways.background }),
    waiting: new SearchService({ ...deps, graphs: ways.waiting }),
  };
  const search = (way: Way) => services[way].search(name, { queries: [noisy()], k: 10 });
  for (const way of Object.keys(ways) as Way[]) await search(way); // each holds the generation

  const first = { background: [] as number[], waiting: [] as number[] };
  const served = { background: [] as number[], waiting: [] as number[] };
  let next = total;
  for (let round = 0; round < ROUNDS; round++) {
    const vectors = Array.from({ length: WRITES_PER_ROUND }, () => ({
      id: `h${next++}`,
      values: noisy(),
    }));
    await env.call("POST", `/vectors/indexes/${name}/vectors`, { vectors });
    const caught = await env.services.maintenance.catchUp(name);
    if (caught.outcome !== "caught_up") throw new Error(`catch-up: ${caught.outcome}`);
    await localTasks().drain();
    const record = await env.services.vectors.getIndex(name);
    const active = record.active;
    if (!active) throw new Error("no active generation");
    const order: Way[] = round % 2 === 0 ? ["background", "waiting"] : ["waiting", "background"];
    for (const way of order) {
      const started = performance.now();
      const answer = await search(way);
      first[way].push(performance.now() - started);
      if (answer.mode !== "hnsw") throw new Error(`${way}: answered ${answer.mode}`);
      served[way].push(active.generation - answer.generation);
      // The load ends before the other way's first search.
      await ways[way].get(record, active, { wait: true });
    }
  }
  await env.call("DELETE", `/vectors/indexes/${name}`);

  const fmt = (xs: number[]) =>
    `${median(xs).toFixed(1)} ms (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})`;
  console.log(
    `\nhot swap: the first search on a warm instance after a flip, ${total.toLocaleString("en")} MNIST digits (784-d, a ${((total * (4 * dimension + 8 * config.m + 16)) / 1e6).toFixed(1)} MB graph), each flip a catch-up of ${WRITES_PER_ROUND} new vectors, median of ${ROUNDS}`,
  );
  console.log(
    `  waiting for the new generation to load (the previous code path): ${fmt(first.waiting)}`,
  );
  console.log(
    `  the held generation serving while it loads (default): ${fmt(first.background)}, with the tail since its data (${served.background.filter((d) => d === 1).length} of ${ROUNDS} answered from the previous generation)`,
  );
  console.log(
    `  -> ${(median(first.waiting) / median(first.background)).toFixed(1)}x faster first search after a flip`,
  );
}
