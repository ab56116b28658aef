import { DynamoLeaseStore } from "../../src/adapters/dynamo-lease-store";
import { S3BlobStore } from "../../src/adapters/s3-blob-store";
import type { ByteBudget } from "../../src/app/byte-budget";
import { Compactor, type CompactorDeps } from "../../src/app/compactor";
import { LiveState } from "../../src/app/live-state";
import type { IndexCatalog } from "../../src/app/ports";
import { SegmentStore } from "../../src/app/segment-store";
import { VectorStore } from "../../src/app/vector-store";
import { type Clients, createClients } from "../../src/clients";
import { type CompactionPolicy, DEFAULT_COMPACTION } from "../../src/domain/compaction";
import type { Settings } from "../../src/settings";
import { createCatalog } from "../../src/wiring";
import type { TestStack } from "./stacks";

// Vector stores of a test's own on the local stack's storage: new instances (nothing kept), with
// no background task, and counters of the reads they make.

/** Tiny thresholds, so a short sequence merges, purges and drops deletions many times. */
export const TINY_COMPACTION: CompactionPolicy = {
  ...DEFAULT_COMPACTION,
  fanout: 2,
  baseBytes: 64,
  maxSegmentBytes: 2048,
  purgeSlack: 0.2,
  purgeMinDead: 1,
};

export type Storage = ReturnType<ReturnType<typeof storesOn>["storage"]>;

/** What a quiet vector store holds: its id digests and its cache budget (default: its own). */
interface QuietOptions {
  readonly live?: LiveState;
  readonly budget?: ByteBudget;
}

/**
 * A vector store on `catalog` and `segments` (a new instance: nothing kept) that starts no
 * background task: compactions and catch-ups run only when the caller runs them. Tests and
 * benches both use it.
 */
export function quietVectorStore(
  catalog: IndexCatalog,
  segments: SegmentStore,
  { live = new LiveState(segments), budget }: QuietOptions = {},
): VectorStore {
  return new VectorStore({
    catalog,
    segments,
    live,
    background: { tasks: { start: async () => undefined }, due: () => [] },
    ...(budget ? { budget } : {}),
  });
}

/**
 * A compactor of `policy` on `catalog` and `segments` (leases in `settings`' table, `deps` added),
 * run when the caller says. Tests and benches both use it.
 */
export function quietCompactor(
  settings: Settings,
  clients: Clients,
  catalog: IndexCatalog,
  segments: SegmentStore,
  policy: CompactionPolicy,
  deps: Partial<CompactorDeps> = {},
): Compactor {
  const leases = new DynamoLeaseStore(clients.doc, settings.tables.leases);
  return new Compactor({ catalog, segments, leases, policy, ...deps });
}

/**
 * The storage of `settings`, through adapters and clients of their own (segments get a directory
 * from `directoryMinBytes` of manifest on).
 */
export function storageOf(settings: Settings, directoryMinBytes?: number) {
  const clients = createClients(settings);
  const blobs = new S3BlobStore(clients.s3, settings.bucket);
  const catalog = createCatalog(settings, clients, blobs);
  const segments = new SegmentStore(blobs, directoryMinBytes ? { directoryMinBytes } : {});
  return { clients, blobs, catalog, segments };
}

/**
 * A quiet vector store on new clients of `settings` (a new instance: nothing kept, no background
 * task), and `close` to release its clients.
 */
export function newQuietStore(settings: Settings, directoryMinBytes?: number) {
  const { clients, catalog, segments } = storageOf(settings, directoryMinBytes);
  return {
    vectors: quietVectorStore(catalog, segments),
    close() {
      clients.s3.destroy();
      clients.dynamodb.destroy();
    },
  };
}

export function storesOn(env: TestStack) {
  /** The stack's storage, through adapters of this test's own (see {@link storageOf}). */
  const storage = (directoryMinBytes?: number) => storageOf(env.stack.settings, directoryMinBytes);

  /** A vector store on that storage that starts no background task (its digests and budget given). */
  const quietStore = (
    { catalog, segments }: ReturnType<typeof storage>,
    options: QuietOptions = {},
  ) => quietVectorStore(catalog, segments, options);

  /** A compactor of `policy` on that storage (with `deps` added), run when the test says. */
  const compactorOn = (
    { clients, catalog, segments }: ReturnType<typeof storage>,
    policy = TINY_COMPACTION,
    deps: Partial<CompactorDeps> = {},
  ) => quietCompactor(env.stack.settings, clients, catalog, segments, policy, deps);

  /** A quiet store and a compactor of `policy` that runs when the test says. */
  const storeAndCompactor = (directoryMinBytes?: number, policy = TINY_COMPACTION) => {
    const parts = storage(directoryMinBytes);
    return { vectors: quietStore(parts), compactor: compactorOn(parts, policy) };
  };

  return { storage, quietStore, compactorOn, storeAndCompactor };
}

/**
 * `blobs` counting whole-object reads of segment values, manifests, digests and id directories,
 * and ranged reads (of segment directories, of id directories and of their bytes).
 */
export function countingReads({ blobs }: Pick<Storage, "blobs">) {
  const reads = {
    values: 0,
    ranged: 0,
    manifests: 0,
    directory: 0,
    digests: 0,
    idDirectory: 0,
    idDirectoryRanged: 0,
    idDirectoryBytes: 0,
    /** Bytes of whole digests and id directories read. */
    wholeBytes: 0,
  };
  const get = blobs.get.bind(blobs);
  const getRange = blobs.getRange.bind(blobs);
  blobs.get = (key) => {
    if (key.endsWith(".f32")) reads.values++;
    if (key.endsWith(".json")) reads.manifests++;
    if (key.endsWith(".ids")) reads.digests++;
    if (key.endsWith(".live")) reads.idDirectory++;
    const got = get(key);
    if (key.endsWith(".ids") || key.endsWith(".live")) {
      got.then((bytes) => {
        reads.wholeBytes += bytes?.byteLength ?? 0;
      });
    }
    return got;
  };
  blobs.getRange = (key, start, end) => {
    reads.ranged++;
    if (key.endsWith(".dir")) reads.directory++;
    if (key.endsWith(".live")) {
      reads.idDirectoryRanged++;
      reads.idDirectoryBytes += end - start;
    }
    return getRange(key, start, end);
  };
  return reads;
}

/**
 * Every id `vectors` lists for `index`, following its pages of `limit`; `between(page)` runs
 * after each page but the last (writes, compactions).
 */
export async function listEveryId(
  vectors: VectorStore,
  index: string,
  limit: number,
  between: (page: number) => Promise<void> = async () => undefined,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let token: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await vectors.listVectorIds(index, limit, token);
    ids.push(...page.items);
    pages++;
    token = page.next;
    if (!token) return { ids, pages };
    await between(pages);
  }
}
