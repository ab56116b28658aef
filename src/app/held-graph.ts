import type hnswlib from "hnswlib-node";

// The graph a worker thread keeps in memory after writing it (see hnsw-runner.ts): the
// generation thread keeps the last graph it built or caught up, so that the next catch-up of
// that graph on the same thread skips reading its file. One graph at a time, per thread.

/** The graph this thread wrote last, under its object key. */
let held: { readonly key: string; readonly graph: hnswlib.HierarchicalNSW } | undefined;

/**
 * Takes the graph held as `key` out of this thread's keeping (the caller now owns it, and holds
 * it again or frees it); any other graph held is freed. Undefined when `key` is not held.
 */
export function takeHeld(key: string | undefined): hnswlib.HierarchicalNSW | undefined {
  if (key !== undefined && held?.key === key) {
    const { graph } = held;
    held = undefined;
    return graph;
  }
  releaseHeld();
  return undefined;
}

/**
 * Keeps `graph`, just written to storage under `key` (keys name immutable objects), in this
 * thread's memory in place of any graph held before, until {@link releaseHeld}.
 */
export function hold(key: string, graph: hnswlib.HierarchicalNSW): void {
  if (held && held.graph !== graph) free(held.graph);
  held = { key, graph };
}

/** Lets go of the graph this thread holds, if any, and frees its memory now. */
export function releaseHeld(): void {
  if (held) free(held.graph);
  held = undefined;
}

/**
 * Frees a graph's memory now. hnswlib-node frees it only when the object is collected, which an
 * idle thread may not do for a long time (the graph's memory is not on V8's heap); a new index of
 * one element replaces it at once.
 */
export function free(graph: hnswlib.HierarchicalNSW): void {
  graph.initIndex(1);
}
