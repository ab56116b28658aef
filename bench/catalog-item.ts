import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { S3BlobStore } from "../src/adapters/s3-blob-store";
import { SegmentStore } from "../src/app/segment-store";
import { createClients } from "../src/clients";
import { createCatalog } from "../src/wiring";
import { quietCompactor, quietVectorStore } from "../test/support/stores";
import { FULL_SEGMENTS } from "./full-segments";
import type { BenchStack } from "./mnist-stack";
import { median } from "./stats";

/** Segment counts at which the two indexes are compared. */
const CHECKPOINTS = [250, 500, 1000, 2000];
/** Writes before each checkpoint whose latency and capacity are summarized. */
const WINDOW = 20;
/** Cold reads of the whole record (a new catalog, no list kept) per checkpoint. */
const COLD_READS = 5;

/**
 * The catalog item as an index accumulates full segments. Each write is a batch of 10 4-d vectors
 * and, under this policy, a full segment: it stands for a full 64 MiB segment (10,922 × 1,536-d),
 * so 2,000 of them stand for 22 million such vectors. Two indexes take the same writes in turn:
 * `catalog-folding` with folds (the compaction a write leaves due runs before the next write),
 * and `catalog-listing` with folds turned off, which is the previous code path (every segment in
 * the item). Reports each item's size, the write capacity DynamoDB bills an append (dynalite
 * computes it as DynamoDB does: 1 WCU per KB of the larger of the old and new item), the write
 * latency, and a cold reader's read of the whole record (the item, and for folds the list object).
 */
export async function benchCatalogItem(env: BenchStack) {
  const { settings } = env.services;
  const clients = createClients(settings);
  const units: number[] = [];
  // Asks DynamoDB for the capacity each append consumed (measurement only).
  const send = clients.doc.send.bind(clients.doc) as (command: unknown) => Promise<unknown>;
  (clients.doc as { send: unknown }).send = async (command: unknown) => {
    if (!(command instanceof UpdateCommand)) return send(command);
    command.input.ReturnConsumedCapacity = "TOTAL";
    const out = (await send(command)) as { ConsumedCapacity?: { CapacityUnits?: number } };
    units.push(out.ConsumedCapacity?.CapacityUnits ?? Number.NaN);
    return out;
  };
  const blobs = new S3BlobStore(clients.s3, settings.bucket);
  const catalog = createCatalog(settings, clients, blobs);
  const segments = new SegmentStore(blobs);
  const arms = [
    { name: "catalog-folding", policy: FULL_SEGMENTS },
    { name: "catalog-listing", policy: { ...FULL_SEGMENTS, foldFull: Number.POSITIVE_INFINITY } },
  ].map(({ name, policy }) => ({
    name,
    store: quietVectorStore(catalog, segments),
    compactor: quietCompactor(settings, clients, catalog, segments, policy),
    ms: [] as number[],
    wcu: [] as number[],
  }));
  for (const arm of arms) await arm.store.createIndex(arm.name, { dimension: 4, metric: "l2" });
  console.log(
    "\ncatalog item as full segments accumulate (each write one full segment; folds vs every segment in the item, the previous code path):",
  );
  for (let s = 1; s <= (CHECKPOINTS.at(-1) as number); s++) {
    for (const arm of arms) {
      const vectors = Array.from({ length: 10 }, (_, i) => ({
        id: `s${s}-${i}`,
        values: [s, i, 0, 1],
      }));
      units.length = 0;
      const started = performance.now();
      await arm.store.upsert(arm.name, vectors);
      arm.ms.push(performance.now() - started);
      arm.wcu.push(units.at(-1) as number);
      const record = await catalog.get(arm.name);
      if (record && arm.compactor.due(record)) await arm.compactor.run(arm.name);
    }
    if (!CHECKPOINTS.includes(s)) continue;
    const row: string[] = [];
    for (const arm of arms) {
      const item = await clients.dynamodb.send(
        new GetItemCommand({ TableName: settings.tables.indexes, Key: { name: { S: arm.name } } }),
      );
      const bytes = JSON.stringify(item.Item).length;
      const cold: number[] = [];
      for (let r = 0; r < COLD_READS; r++) {
        const reader = createCatalog(settings);
        const started = performance.now();
        const record = await reader.get(arm.name);
        cold.push(performance.now() - started);
        if (record?.segments.length !== s) throw new Error(`${arm.name}: lost segments`);
      }
      row.push(
        `${arm.name === "catalog-folding" ? "folds" : "no folds"}: item ${(bytes / 1024).toFixed(1)} KB, append ${median(arm.wcu.slice(-WINDOW))} WCU, write p50 ${median(arm.ms.slice(-WINDOW)).toFixed(1)} ms, cold read ${median(cold).toFixed(1)} ms`,
      );
    }
    console.log(`  ${s} segments: ${row.join(" | ")}`);
  }
}
