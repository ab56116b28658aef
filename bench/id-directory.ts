import { IdDirectoryBuilder } from "../src/app/id-directory-builder";
import type { VectorStore } from "../src/app/vector-store";
import { DEFAULT_COMPACTION } from "../src/domain/compaction";
import { encodeCursor } from "../src/domain/page-token";
import { countingReads, quietVectorStore, storageOf } from "../test/support/stores";
import { manySegmentIndex } from "./id-listing";
import type { BenchStack } from "./mnist-stack";
import { median } from "./stats";

/** Interleaved rounds per write size. */
const ROUNDS = 7;

/** Segments and ids per segment of each of the two indexes. */
const SEGMENTS = 100;
const PER_SEGMENT = 10_000;

/**
 * A new instance's first write into an index of a million ids in 100 segments: with the index's
 * id directory (a few ranged reads of it per id written, and the digests of the segments it does
 * not cover) against the previous code path, an identical index without one (every segment's
 * digest read), measured in the same run: interleaved rounds, medians, with the bytes each read.
 * The directory is built over all 100 segments (a builder that counts segments of 10,000 4-d
 * vectors as full; by default only segments of over 16 MiB are). Also the build's own time, and
 * a new instance's first read by id the same way (both arms then read the manifest of the
 * segment holding each id: these segments are too small for segment directories), and its first
 * page of an id listing (the first page, or one resumed from a token: without a directory, every
 * digest, then the names from the manifests of the segments holding the page's ids; with it, a
 * run of the directory and its names).
 */
export async function benchIdDirectory(env: BenchStack) {
  const { settings } = env.services;
  const plain = "iddir-plain";
  const directed = "iddir-directed";
  await manySegmentIndex(env, plain, SEGMENTS, PER_SEGMENT);
  await manySegmentIndex(env, directed, SEGMENTS, PER_SEGMENT);
  const parts = storageOf(settings);
  const policy = { ...DEFAULT_COMPACTION, maxSegmentBytes: 1024 * 1024 };
  const started = performance.now();
  const built = await new IdDirectoryBuilder({ ...parts, policy }).run(directed);
  const buildMs = performance.now() - started;
  if (!built) throw new Error("the id directory was not built");
  console.log(
    `\nid directory of ${built.live.toLocaleString("en")} ids (${built.applied} segments' digests applied): built in ${buildMs.toFixed(0)} ms, ${((built.live * 12) / 2 ** 20).toFixed(1)} MiB`,
  );
  for (const [what, size] of [
    ["write", 1],
    ["write", 10],
    ["write", 60],
    ["write", 100],
    ["write", 1000],
    ["read", 1],
    ["read", 10],
    ["list", 100],
  ] as const) {
    const ms = { plain: [] as number[], directed: [] as number[] };
    const bytes = { plain: 0, directed: 0 };
    const manifests = { plain: 0, directed: 0 };
    await interleaved(ROUNDS, { plain, directed }, (arm, name, r) =>
      onNewInstance(settings, name, async (store, reads) => {
        ms[arm].push(
          what === "write"
            ? await timedWrite(store, name, `${size}-${r}`, size)
            : what === "read"
              ? await timedRead(store, name, r, size)
              : await timedPage(store, name, r, size),
        );
        bytes[arm] += reads.wholeBytes + reads.idDirectoryBytes;
        manifests[arm] += reads.manifests;
      }),
    );
    const p = median(ms.plain);
    const d = median(ms.directed);
    const verb = { write: "write of", read: "read by id of", list: "page of a listing, of" }[what];
    const named =
      what === "list"
        ? `; manifests read for names: ${(manifests.plain / ROUNDS).toFixed(1)} vs ${(manifests.directed / ROUNDS).toFixed(1)}`
        : "";
    console.log(
      `  a new instance's first ${verb} ${size} id(s), median of ${ROUNDS} interleaved rounds: every digest ${p.toFixed(1)} ms (${mib(bytes.plain / ROUNDS)} of digests and directory read) vs the id directory ${d.toFixed(1)} ms (${mib(bytes.directed / ROUNDS)}) -> ${(p / d).toFixed(1)}×${named}`,
    );
  }
  await benchWholeListing(settings, plain, directed);
}

/** Rounds of {@link benchWholeListing} (each lists both indexes whole, in turn). */
const LISTING_ROUNDS = 3;

/**
 * Every id of each index, in pages of 1,000, on one new instance per listing (warm after its first
 * page): what an export pays, with the directory (runs of it 8 pages ahead, kept) and without
 * (every digest held, names from the segments' kept manifests).
 */
async function benchWholeListing(
  settings: BenchStack["services"]["settings"],
  plain: string,
  directed: string,
) {
  const ms = { plain: [] as number[], directed: [] as number[] };
  const reads = { plain: 0, directed: 0 };
  await interleaved(LISTING_ROUNDS, { plain, directed }, (arm, name) =>
    onNewInstance(settings, name, async (store, counted) => {
      const started = performance.now();
      let token: string | undefined;
      let ids = 0;
      do {
        const page = await store.listVectorIds(name, 1000, token);
        ids += page.items.length;
        token = page.next;
      } while (token);
      ms[arm].push(performance.now() - started);
      reads[arm] += counted.ranged + counted.digests + counted.manifests + counted.idDirectory;
      if (ids < SEGMENTS * PER_SEGMENT) throw new Error(`a whole listing found ${ids} ids`);
    }),
  );
  const p = median(ms.plain);
  const d = median(ms.directed);
  console.log(
    `  a whole listing, pages of 1,000, one new instance, median of ${LISTING_ROUNDS} interleaved rounds: every digest ${p.toFixed(0)} ms (${(reads.plain / LISTING_ROUNDS).toFixed(0)} reads) vs the id directory ${d.toFixed(0)} ms (${(reads.directed / LISTING_ROUNDS).toFixed(0)} reads) -> ${(p / d).toFixed(2)}×`,
  );
}

/** `rounds` rounds of `run` on each arm in turn (the index without a directory, then the one with). */
async function interleaved(
  rounds: number,
  names: { readonly plain: string; readonly directed: string },
  run: (arm: "plain" | "directed", name: string, round: number) => Promise<void>,
) {
  for (let r = 0; r < rounds; r++) {
    await run("plain", names.plain, r);
    await run("directed", names.directed, r);
  }
}

/**
 * Runs `measure` on a new instance (new clients, nothing kept) whose clients have connected (a
 * read of `name`'s record first: a start is not what is measured), with its reads counted.
 */
async function onNewInstance(
  settings: BenchStack["services"]["settings"],
  name: string,
  measure: (store: VectorStore, reads: ReturnType<typeof countingReads>) => Promise<void>,
) {
  const cold = storageOf(settings);
  const reads = countingReads(cold);
  const store = quietVectorStore(cold.catalog, cold.segments);
  try {
    await store.getIndex(name);
    await measure(store, reads);
  } finally {
    cold.clients.s3.destroy();
    cold.clients.dynamodb.destroy();
  }
}

async function timedRead(store: VectorStore, name: string, round: number, count: number) {
  const ids = Array.from({ length: count }, (_, i) => {
    const segment = (round * 37 + i * 13) % SEGMENTS;
    return `doc-${segment}-${(round * 101 + i * 977) % PER_SEGMENT}`;
  });
  const started = performance.now();
  const got = await store.getVectors(name, ids);
  const ms = performance.now() - started;
  if (got.some((v) => v === undefined)) throw new Error("a read by id missed a live vector");
  return ms;
}

/** A page of `limit` ids: the first in round 0, else one resumed at round/ROUNDS of the hashes. */
async function timedPage(store: VectorStore, name: string, round: number, limit: number) {
  const after = ((1n << 64n) * BigInt(round)) / BigInt(ROUNDS);
  const token = round === 0 ? undefined : encodeCursor({ after: after.toString(16) });
  const started = performance.now();
  const page = await store.listVectorIds(name, limit, token);
  const ms = performance.now() - started;
  if (page.items.length !== limit) throw new Error(`a page listed ${page.items.length} ids`);
  return ms;
}

async function timedWrite(store: VectorStore, name: string, tag: string, size: number) {
  const started = performance.now();
  await store.upsert(
    name,
    Array.from({ length: size }, (_, i) => ({ id: `new-${tag}-${i}`, values: [1, 2, 3, i] })),
  );
  return performance.now() - started;
}

function mib(bytes: number): string {
  return bytes >= 2 ** 20
    ? `${(bytes / 2 ** 20).toFixed(1)} MiB`
    : `${(bytes / 1024).toFixed(1)} KiB`;
}
