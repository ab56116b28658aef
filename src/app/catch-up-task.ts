import { rmSync, statSync } from "node:fs";
import hnswlib from "hnswlib-node";
import type { VectorRows } from "../domain/exact-search";
import type { Metric } from "../domain/metric";
import { free, hold, makeRoom, takeHeld } from "./held-graph";

// The catch-up task, run on the generation thread (see hnsw-runner.ts). It keeps in memory the
// graph it wrote (held-graph.ts), so that the next catch-up of that graph skips reading it.

/**
 * Catch a graph up (catch-up, or a stale snapshot reused at activation): read it from `inPath`
 * (or take it from memory: see `inKey`), make room, mark `deleteLabels` deleted (rows since
 * deleted or replaced), add `add`'s rows as labels `firstLabel`, `firstLabel + 1`, ..., and write
 * it to `outPath`.
 */
export interface CatchUpTask {
  /** The graph to catch up. */
  readonly inPath: string;
  /**
   * The object key of the graph at `inPath` (keys name immutable objects). When this thread holds
   * that graph in memory (see `holdAs`), it is caught up from there and `inPath` is not read.
   * Default: none (always read).
   */
  readonly inKey?: string;
  /**
   * The object key the caught-up graph is stored under. When given, this thread keeps the graph
   * in memory afterwards, as that key's graph, until `releaseHeld` or until it no longer fits
   * `heldBudget` with graphs held after it. Default: none (nothing held).
   */
  readonly holdAs?: string;
  /**
   * Bytes the graphs this thread holds may take in all, the graph this task works on included
   * (default 0: only the graph written last is held). Graphs held longest are freed before the
   * input is read, until the others and the caught-up graph (estimated from the input's size)
   * fit; the graph written last is held whatever its size.
   */
  readonly heldBudget?: number;
  /**
   * Whether `inPath` is this task's own copy (a download), removed before the output is written
   * (default `false`: a file someone else keeps), so `/tmp` holds the input or the output, not
   * both at once.
   */
  readonly dropInput?: boolean;
  /** Where to write the caught-up graph. */
  readonly outPath: string;
  /** The index's metric. */
  readonly metric: Metric;
  /** The index's dimension. */
  readonly dimension: number;
  /** Labels to mark deleted (rows since deleted or replaced). */
  readonly deleteLabels: Int32Array;
  /** The rows to add. */
  readonly add: VectorRows;
  /** The label of `add`'s first row (the graph's label count). */
  readonly firstLabel: number;
  /**
   * Threads adding the rows (default 1). One adds them in order, so the same file and rows give
   * the same graph; more add them concurrently (hnswlib's insertion is thread-safe), in an order
   * that varies from run to run, and the caught-up graph with it. Its quality does not: see the
   * fresh bench. A graph caught up from memory draws its new rows' levels where its random
   * sequence left off, not afresh as a graph read from its file does, so its links may differ
   * from that one's too.
   */
  readonly threads?: number;
}

/** What a {@link CatchUpTask} did. */
export interface CatchUpResult {
  /** hnswlib's time: reading the graph (unless held), resizing, marking and adding, ms. */
  readonly timeMs: number;
  /** The output file's size. */
  readonly bytes: number;
  /** Whether the graph came from this thread's memory (`inKey` held) rather than `inPath`. */
  readonly fromHeld: boolean;
}

/**
 * Runs a {@link CatchUpTask}. The graph it starts from leaves this thread's keeping as the task
 * starts: a task that fails frees it (the other graphs held stay, untouched), so a held graph is
 * always exactly the file written under its key.
 */
export function catchUpGraph(task: CatchUpTask): CatchUpResult {
  const started = performance.now();
  const kept = takeHeld(task.inKey);
  const budget = task.heldBudget ?? 0;
  // Older graphs go before this one is read and grows, as far as the budget needs.
  const inBytes = kept?.bytes ?? statSync(task.inPath, { throwIfNoEntry: false })?.size ?? 0;
  const labels = Math.max(1, task.firstLabel);
  makeRoom(Math.ceil((inBytes * (labels + task.add.rows)) / labels), budget);
  const graph = kept?.graph ?? new hnswlib.HierarchicalNSW(task.metric, task.dimension);
  let holding = false;
  try {
    if (!kept) graph.readIndexSync(task.inPath);
    graph.resizeIndex(Math.max(graph.getMaxElements(), task.firstLabel + task.add.rows));
    for (const label of task.deleteLabels) graph.markDelete(label);
    const { data, dimension, rows } = task.add;
    const labels = new Uint32Array(rows);
    for (let r = 0; r < rows; r++) labels[r] = task.firstLabel + r;
    graph.addPoints(data.subarray(0, rows * dimension), labels, task.threads ?? 1);
    const timeMs = Math.round((performance.now() - started) * 10) / 10;
    if (task.dropInput) rmSync(task.inPath, { force: true });
    graph.writeIndexSync(task.outPath);
    const bytes = statSync(task.outPath).size;
    if (task.holdAs !== undefined) {
      hold(task.holdAs, graph, bytes, budget);
      holding = true;
    }
    return { timeMs, bytes, fromHeld: kept !== undefined };
  } finally {
    if (!holding) free(graph);
  }
}
