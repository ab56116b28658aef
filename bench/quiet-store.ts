import { LiveState } from "../src/app/live-state";
import type { IndexCatalog } from "../src/app/ports";
import type { SegmentStore } from "../src/app/segment-store";
import { VectorStore } from "../src/app/vector-store";

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
