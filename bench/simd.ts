import { cpus } from "node:os";
import hnswlib from "hnswlib-node";
import { inverseNorms } from "../src/domain/exact-search";
import { buildGraph, exactNeighbors, type HnswGraph } from "../src/domain/hnsw";
import { measureArms } from "../src/domain/hnsw-measure";
import type { Metric } from "../src/domain/metric";
import { latencySummary } from "../src/domain/trial-metrics";
import { truthRadii } from "../src/domain/truth-radii";
import { type Dataset, queryRowsOf } from "./datasets";
import { hnswlibWithout } from "./hnswlib-without";
import { median } from "./stats";

const QUERIES = 500;
const K = 10;
/** Interleaved builds per build and metric. */
const ROUNDS = 5;
const PARAMS = { m: 16, ef_construction: 100, seed: 42 };
const EF_SEARCHES = [16, 64];

/**
 * hnswlib's AVX distance kernels (`patches/hnswlib-node+3.0.0+002+avx-kernels.patch`) against the
 * same build without that patch (SSE kernels, as published), in the same run: the dataset's
 * digits (no exact copies, so the copies patch never fires and both builds differ only in their
 * kernels), m=16, ef_construction=100, seed 42, under `l2` and `cosine` (hnswlib's L2 and inner
 * product kernels). Build time: median of {@link ROUNDS} interleaved builds each. Search: both
 * graphs side by side through `measureArms` (the trials' measurement), p50 per query and
 * recall@10 with ties counted, on the dataset's test digits.
 */
export function benchSimd(data: Dataset, baseCount: number) {
  const { dimension } = data;
  const builds = [
    { name: "SSE (published)", graphClass: hnswlibWithout(["avxKernels"]).HierarchicalNSW },
    { name: "AVX (vectord)", graphClass: hnswlib.HierarchicalNSW },
  ];
  const l2Rows = { data: data.base, dimension, rows: baseCount };
  const cosineRows = { ...l2Rows, inverseNorms: inverseNorms(data.base, dimension, baseCount) };
  const queries = queryRowsOf(data, QUERIES);
  console.log(
    `\nhnswlib's distance kernels: SSE (as published) vs AVX (vectord's patch), ${data.name}, ${baseCount} rows, m=${PARAMS.m}, ef_construction=${PARAMS.ef_construction}, ${QUERIES} queries, k=${K}; CPU ${cpus()[0]?.model ?? "unknown"} (${process.arch})`,
  );
  for (const metric of ["l2", "cosine"] as Metric[]) {
    const rows = metric === "cosine" ? cosineRows : l2Rows;
    const truth = exactNeighbors(rows, metric, queries, K);
    const answers = { truth, k: K, radii: truthRadii(rows, metric, queries, truth, K) };
    const ms = builds.map(() => [] as number[]);
    const graphs: HnswGraph[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < builds.length; i++) {
        const b = (round + i) % builds.length;
        const started = performance.now();
        graphs[b] = buildGraph(rows, metric, PARAMS, undefined, builds[b]?.graphClass);
        ms[b]?.push(performance.now() - started);
      }
    }
    const builtMs = ms.map(median);
    console.log(
      `  ${metric}: build ${builds.map((b, i) => `${b.name} ${Math.round(builtMs[i] as number)} ms`).join(", ")}: AVX ${((builtMs[0] as number) / (builtMs[1] as number)).toFixed(2)}x faster`,
    );
    for (const efSearch of EF_SEARCHES) {
      const measured = measureArms(
        graphs.map((graph) => ({ graph, efSearch })),
        queries,
        answers,
        5,
      );
      const p50 = measured.map((m) => latencySummary(m.latenciesUs).p50);
      const recall = measured.map((m) => m.recall.toFixed(4));
      const parts = builds.map((b, i) => `${b.name} ${p50[i]} us, recall ${recall[i]}`);
      console.log(
        `    ef_search ${efSearch}: p50 ${parts.join("; ")}: AVX ${((p50[0] as number) / (p50[1] as number)).toFixed(2)}x faster`,
      );
    }
  }
}
