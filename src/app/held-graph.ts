import type hnswlib from "hnswlib-node";

// The graphs a worker thread keeps in memory after writing them (see hnsw-runner.ts): the
// generation thread keeps the graphs it built or caught up last, so that the next catch-up of one
// of them on the same thread skips reading its file. It always keeps the last one; older ones stay
// while all of them, with the graph a task is working on, fit the task's budget (`heldBudget`).

/** A held graph and its size (its file's, which is what hnswlib holds in memory). */
interface Held {
  readonly graph: hnswlib.HierarchicalNSW;
  readonly bytes: number;
}

/** The graphs this thread wrote, under their object keys, least recently used first. */
const held = new Map<string, Held>();

/**
 * Takes the graph held as `key` out of this thread's keeping (the caller now owns it, and holds
 * it again or frees it); the others stay. Undefined when `key` is not held.
 */
export function takeHeld(key: string | undefined): Held | undefined {
  if (key === undefined) return undefined;
  const found = held.get(key);
  held.delete(key);
  return found;
}

/**
 * Frees the graphs held longest until the rest and `bytes` more (the graph a task is about to read
 * or build) fit `budget` bytes, or none is left.
 */
export function makeRoom(bytes: number, budget: number): void {
  for (const [key, entry] of held) {
    if (heldBytes() + bytes <= budget) return;
    held.delete(key);
    free(entry.graph);
  }
}

/**
 * Keeps `graph` (`bytes` large), just written to storage under `key` (keys name immutable
 * objects), in this thread's memory as the graph used last, until it no longer fits `budget` with
 * newer ones or {@link releaseHeld}; the graphs held longest go until the others fit beside it.
 */
export function hold(
  key: string,
  graph: hnswlib.HierarchicalNSW,
  bytes: number,
  budget: number,
): void {
  const before = held.get(key);
  held.delete(key);
  if (before && before.graph !== graph) free(before.graph);
  makeRoom(bytes, budget);
  held.set(key, { graph, bytes });
}

/** Lets go of every graph this thread holds, and frees their memory now. */
export function releaseHeld(): void {
  for (const entry of held.values()) free(entry.graph);
  held.clear();
}

/** The keys of the graphs this thread holds, least recently used first (for tests). */
export function heldKeys(): string[] {
  return [...held.keys()];
}

function heldBytes(): number {
  let total = 0;
  for (const entry of held.values()) total += entry.bytes;
  return total;
}

/**
 * Frees a graph's memory now. hnswlib-node frees it only when the object is collected, which an
 * idle thread may not do for a long time (the graph's memory is not on V8's heap); a new index of
 * one element replaces it at once.
 */
export function free(graph: hnswlib.HierarchicalNSW): void {
  graph.initIndex(1);
}
