import { DynamoLeaseStore } from "../src/adapters/dynamo-lease-store";
import { Compactor } from "../src/app/compactor";
import { LiveState } from "../src/app/live-state";
import type { IndexCatalog } from "../src/app/ports";
import type { SegmentStore } from "../src/app/segment-store";
import { VectorStore } from "../src/app/vector-store";
import type { Clients } from "../src/clients";
import { type CompactionPolicy, DEFAULT_COMPACTION } from "../src/domain/compaction";
import type { Settings } from "../src/settings";

/**
 * A vector store on `catalog` and `segments` of a bench's own (a new instance: nothing kept) that
 * starts no background task: compactions run only when the bench runs them.
 */
export function quietVectorStore(catalog: IndexCatalog, segments: SegmentStore): VectorStore {
  return new VectorStore({
    catalog,
    segments,
    live: new LiveState(segments),
    background: { tasks: { start: async () => undefined }, due: () => [] },
  });
}

/**
 * The catalog benches' policy: every write of 10 4-d vectors is a full segment, and full segments
 * never merge (the pairwise merge that keeps a pathological list short is off).
 */
export const FULL_SEGMENTS: CompactionPolicy = {
  ...DEFAULT_COMPACTION,
  maxSegmentBytes: 1024,
  maxSegments: Number.POSITIVE_INFINITY,
};

/** A compactor of `policy` on `catalog` and `segments`, run when the bench says. */
export function benchCompactor(
  settings: Settings,
  clients: Clients,
  catalog: IndexCatalog,
  segments: SegmentStore,
  policy: CompactionPolicy,
): Compactor {
  const leases = new DynamoLeaseStore(clients.doc, settings.tables.leases);
  return new Compactor({ catalog, segments, leases, policy });
}
