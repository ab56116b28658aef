import { inverseNorms } from "../src/domain/exact-search";
import { buildGraph, exactNeighbors, type QueryRows, truthRadii } from "../src/domain/hnsw";
import { MAX_SERVING_EF_SEARCH } from "../src/domain/hnsw-config";
import { type Answers, measureArms, recallAt } from "../src/domain/hnsw-measure";
import { seededSample } from "../src/domain/seeded-random";
import { latencySummary } from "../src/domain/trial-metrics";
import { searchEf } from "../src/domain/tuner";
import type { Dataset } from "./datasets";

/** Share of the digits stored again, and how many extra copies each gets. */
const DUPLICATED = 0.1;
const COPIES = 4;
const QUERIES = 500;
const K = 10;
const TARGETS = [0.9, 0.95, 0.99];
const EF_SEARCHES = [10, 20, 40, 80, 160, 320, 640];

/**
 * Recall on data with exact duplicates, counted by ids alone (the previous rule) and with ties at
 * the k-th distance (the current one), on one graph in the same run. The data: MNIST digits with
 * 10% of them stored 4 more times each, as corpora of embedded documents hold copies. Reports
 * recall per ef_search both ways, and, per target, the ef_search the target_recall tuner's search
 * finds under each rule and their p50s timed side by side.
 */
export function benchRecallTies(data: Dataset, baseCount: number) {
  const { dimension } = data;
  const copied = seededSample(
    Array.from({ length: baseCount }, (_, r) => r),
    Math.round(baseCount * DUPLICATED),
    5,
  );
  const count = baseCount + copied.length * COPIES;
  const values = new Float32Array(count * dimension);
  values.set(data.base.subarray(0, baseCount * dimension));
  copied.forEach((source, i) => {
    const row = data.base.subarray(source * dimension, (source + 1) * dimension);
    for (let c = 0; c < COPIES; c++) values.set(row, (baseCount + i * COPIES + c) * dimension);
  });
  const rows = {
    data: values,
    dimension,
    rows: count,
    inverseNorms: inverseNorms(values, dimension, count),
  };
  const queries: QueryRows = {
    data: data.queries.subarray(0, QUERIES * dimension),
    dimension,
    rows: QUERIES,
    excludeRows: new Int32Array(QUERIES).fill(-1),
  };
  const truth = exactNeighbors(rows, "l2", queries, K);
  const byId: Answers = { truth, k: K };
  const withTies: Answers = { ...byId, radii: truthRadii(rows, "l2", queries, truth, K) };
  const started = performance.now();
  const graph = buildGraph(rows, "l2", { m: 16, ef_construction: 100, seed: 42 });
  console.log(
    `\nrecall with duplicates: ${baseCount} MNIST digits, ${copied.length} of them stored ${COPIES} more times ` +
      `(${count} rows), ${QUERIES} test digits, k=${K}, m=16 ef_construction=100 (build ${((performance.now() - started) / 1000).toFixed(1)} s)`,
  );
  console.log("  ef_search   by ids (previous rule)   ties counted");
  for (const ef of EF_SEARCHES) {
    const a = recallAt(graph, queries, byId, ef);
    const b = recallAt(graph, queries, withTies, ef);
    console.log(`  ${String(ef).padEnd(11)} ${a.toFixed(4).padEnd(24)} ${b.toFixed(4)}`);
  }
  for (const target of TARGETS) {
    const find = (answers: Answers) =>
      searchEf((ef) => recallAt(graph, queries, answers, ef), target, 10, MAX_SERVING_EF_SEARCH)
        .found;
    const [idEf, tieEf] = [find(byId), find(withTies)];
    const picks = [...new Set([idEf, tieEf])].filter((ef): ef is number => ef !== null);
    const p50s = measureArms(
      picks.map((efSearch) => ({ graph, efSearch })),
      queries,
      withTies,
      7,
    ).map((m) => latencySummary(m.latenciesUs).p50);
    const p50Of = (ef: number) => p50s[picks.indexOf(ef)] as number;
    const show = (ef: number | null) =>
      ef === null
        ? `none up to ef_search ${MAX_SERVING_EF_SEARCH}`
        : `ef_search ${ef} (p50 ${p50Of(ef)} us)`;
    const ratio =
      idEf !== null && tieEf !== null
        ? `; the previous rule's pick has ${(p50Of(idEf) / p50Of(tieEf)).toFixed(2)}x the p50`
        : "";
    console.log(`  target ${target}: by ids ${show(idEf)}; ties counted ${show(tieEf)}${ratio}`);
  }
}
