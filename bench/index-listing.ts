import { S3BlobStore } from "../src/adapters/s3-blob-store";
import { SegmentStore } from "../src/app/segment-store";
import { createClients } from "../src/clients";
import { createCatalog } from "../src/wiring";
import { quietCompactor, quietVectorStore } from "../test/support/stores";
import { FULL_SEGMENTS } from "./full-segments";
import type { BenchStack } from "./mnist-stack";
import { median } from "./stats";

/** Folded indexes on the listed page (the API's largest page is 1,000; the CLI reads 100). */
const INDEXES = 100;
/** Interleaved rounds of each way. */
const ROUNDS = 9;

/**
 * A page of the index listing (`GET /vectors/indexes`) on a new instance, when every index on it
 * has folded: each record is its item plus its list object, so the page reads one object per
 * index. Read 16 at a time (this code) vs one after another (the previous code path), in
 * interleaved rounds on new catalogs (no list kept), medians.
 */
export async function benchIndexListing(env: BenchStack) {
  const { settings } = env.services;
  const clients = createClients(settings);
  const blobs = new S3BlobStore(clients.s3, settings.bucket);
  const catalog = createCatalog(settings, clients, blobs);
  const segments = new SegmentStore(blobs);
  const store = quietVectorStore(catalog, segments);
  // Every write is a full segment, and two of them fold.
  const policy = { ...FULL_SEGMENTS, foldFull: 2 };
  const compactor = quietCompactor(settings, clients, catalog, segments, policy);
  const names = Array.from({ length: INDEXES }, (_, i) => `listing-${i}`);
  for (const name of names) {
    await store.createIndex(name, { dimension: 4, metric: "l2" });
    for (let s = 0; s < 3; s++) {
      const vectors = Array.from({ length: 10 }, (_, i) => ({
        id: `${s}-${i}`,
        values: [s, i, 0, 1],
      }));
      await store.upsert(name, vectors);
    }
    await compactor.run(name);
  }
  const ways = { concurrent: [] as number[], oneByOne: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const order =
      round % 2 === 0
        ? (["concurrent", "oneByOne"] as const)
        : (["oneByOne", "concurrent"] as const);
    for (const way of order) {
      // A new instance: a new catalog, no list object kept.
      const reader = createCatalog(
        settings,
        createClients(settings),
        blobs,
        undefined,
        way === "oneByOne" ? 1 : undefined,
      );
      let cursor: string | undefined;
      let listed = 0;
      let folded = 0;
      const started = performance.now();
      do {
        const page = await reader.list(1000, cursor);
        for (const record of page.items) {
          if (!record.name.startsWith("listing-")) continue;
          listed++;
          if (record.segmentList && record.segments.length === 3) folded++;
        }
        cursor = page.next;
      } while (cursor);
      ways[way].push(performance.now() - started);
      if (listed !== INDEXES || folded !== INDEXES) {
        throw new Error(`${way}: listed ${listed} indexes, ${folded} of them whole and folded`);
      }
    }
  }
  for (const name of names) await store.deleteIndex(name);
  const [concurrent, oneByOne] = [median(ways.concurrent), median(ways.oneByOne)];
  console.log(
    `\nindex listing on a new instance, ${INDEXES} folded indexes (one list object each), median of ${ROUNDS} interleaved rounds:`,
  );
  console.log(
    `  list objects 16 at a time ${concurrent.toFixed(0)} ms vs one after another (previous) ${oneByOne.toFixed(0)} ms -> ${(oneByOne / concurrent).toFixed(2)}x faster`,
  );
}
