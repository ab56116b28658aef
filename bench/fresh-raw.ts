import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hnswlib from "hnswlib-node";

/** The config of the graphs (as the fresh bench builds them). */
interface RawConfig {
  readonly m: number;
  readonly ef_construction: number;
  readonly seed: number;
}

/**
 * The fresh bench's floor: the same hnswlib work with nothing around it, raw hnswlib-node on the
 * calling thread, no storage, no worker. `rebuild()` builds the graph of all `total` rows;
 * `catchUp(threads)` reads the graph of the first `first` rows (written once, here) from local
 * disk, resizes it and adds the rest on `threads` threads (`addPoints`; on one, in order, as
 * `addPoint` one by one). Each returns its milliseconds. `close()` removes the file.
 */
export function rawHnsw(
  data: Float32Array,
  dimension: number,
  first: number,
  total: number,
  config: RawConfig,
) {
  // Each row a Float32Array view, as vectord hands rows to hnswlib (read in one copy).
  const fill = (r: number) => data.subarray(r * dimension, (r + 1) * dimension);
  const build = (rows: number) => {
    const graph = new hnswlib.HierarchicalNSW("l2", dimension);
    graph.initIndex(rows, config.m, config.ef_construction, config.seed);
    for (let r = 0; r < rows; r++) graph.addPoint(fill(r), r);
    return graph;
  };
  const labels = Uint32Array.from({ length: total - first }, (_, i) => first + i);
  const basePath = join(tmpdir(), `vectord-bench-raw-${Date.now()}.hnsw`);
  build(first).writeIndexSync(basePath);
  const timed = (work: () => void) => {
    const started = performance.now();
    work();
    return performance.now() - started;
  };
  return {
    rebuild: () => timed(() => build(total)),
    catchUp: (threads: number) =>
      timed(() => {
        const graph = new hnswlib.HierarchicalNSW("l2", dimension);
        graph.readIndexSync(basePath);
        graph.resizeIndex(total);
        graph.addPoints(data.subarray(first * dimension, total * dimension), labels, threads);
      }),
    close: () => rmSync(basePath, { force: true }),
  };
}
