import hnswlib from "hnswlib-node";
import type { VectorRows } from "../src/domain/exact-search";
import { buildGraph, exactNeighbors, type HnswGraph } from "../src/domain/hnsw";
import { measureArms, type Searchable } from "../src/domain/hnsw-measure";
import { latencySummary } from "../src/domain/trial-metrics";
import { truthRadii } from "../src/domain/truth-radii";
import { type Dataset, queryRowsOf } from "./datasets";
import { median } from "./stats";

const QUERIES = 500;
const K = 10;
/** Interleaved builds per way. */
const ROUNDS = 5;
const PARAMS = { m: 16, ef_construction: 100, seed: 42 };
const EF_SEARCHES = [16, 64];

/**
 * The previous code path: a point copied into one reused plain array by index, which hnswlib-node
 * then reads element by element (two N-API calls each). Each call returns the same array, refilled.
 */
export function arrayFiller(dimension: number) {
  const point = new Array<number>(dimension);
  return (values: Float32Array) => {
    for (let j = 0; j < dimension; j++) point[j] = values[j] as number;
    return point;
  };
}

/** `buildGraph`'s work, each row handed to hnswlib as a filled plain array. */
function buildFromArrays(rows: VectorRows): HnswGraph {
  const graph = new hnswlib.HierarchicalNSW("l2", rows.dimension);
  graph.initIndex({
    maxElements: rows.rows,
    m: PARAMS.m,
    efConstruction: PARAMS.ef_construction,
    randomSeed: PARAMS.seed,
  });
  const fill = arrayFiller(rows.dimension);
  for (let r = 0; r < rows.rows; r++) {
    graph.addPoint(fill(rows.data.subarray(r * rows.dimension, (r + 1) * rows.dimension)), r);
  }
  return graph;
}

/** `graph` searched through plain arrays: each query filled into one reused array first. */
function searchedThroughArrays(graph: HnswGraph, dimension: number): Searchable {
  const fill = arrayFiller(dimension);
  return {
    setEf: (ef) => graph.setEf(ef),
    getCurrentCount: () => graph.getCurrentCount(),
    searchKnn: (query, k) => graph.searchKnn(fill(query), k),
  };
}

/**
 * Points handed to hnswlib as Float32Array views (`rowOf`, read by the addon in one copy:
 * `patches/hnswlib-node+3.0.0+003+typed-points.patch`) against plain arrays filled by index (the
 * previous code path), on the same addon in the same run: the dataset's digits, `l2`, m=16,
 * ef_construction=100, seed 42. Builds: median of {@link ROUNDS} interleaved builds each way (the
 * graphs are the same, byte for byte: `test/unit/hnsw-typed-points.test.ts`). Searches: one graph
 * searched both ways side by side through `measureArms` (the trials' measurement), p50 per query.
 */
export function benchTypedPoints(data: Dataset, baseCount: number) {
  const { dimension } = data;
  const rows = { data: data.base, dimension, rows: baseCount };
  const queries = queryRowsOf(data, QUERIES);
  console.log(
    `\npoints to hnswlib: Float32Array views vs plain arrays filled by index (the previous path), ${data.name}, ${baseCount} rows, l2, m=${PARAMS.m}, ef_construction=${PARAMS.ef_construction}, ${QUERIES} queries, k=${K}`,
  );
  const ways = [
    { name: "arrays", build: () => buildFromArrays(rows) },
    { name: "Float32Array", build: () => buildGraph(rows, "l2", PARAMS) },
  ];
  const ms = ways.map(() => [] as number[]);
  let graph: HnswGraph | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < ways.length; i++) {
      const w = (round + i) % ways.length;
      const started = performance.now();
      graph = ways[w]?.build();
      ms[w]?.push(performance.now() - started);
    }
  }
  const built = ms.map(median) as [number, number];
  console.log(
    `  build: arrays ${Math.round(built[0])} ms, Float32Array ${Math.round(built[1])} ms: ${(built[0] / built[1]).toFixed(2)}x faster`,
  );
  const g = graph as HnswGraph;
  const truth = exactNeighbors(rows, "l2", queries, K);
  const answers = { truth, k: K, radii: truthRadii(rows, "l2", queries, truth, K) };
  for (const efSearch of EF_SEARCHES) {
    const [arrays, views] = measureArms(
      [
        { graph: searchedThroughArrays(g, dimension), efSearch },
        { graph: g, efSearch },
      ],
      queries,
      answers,
      5,
    ) as [ReturnType<typeof measureArms>[0], ReturnType<typeof measureArms>[0]];
    const [a, v] = [latencySummary(arrays.latenciesUs).p50, latencySummary(views.latenciesUs).p50];
    console.log(
      `  ef_search ${efSearch}: p50 arrays ${a} us, Float32Array ${v} us: ${(a / v).toFixed(2)}x faster (recall ${arrays.recall.toFixed(4)} vs ${views.recall.toFixed(4)})`,
    );
  }
}
