import hnswlib from "hnswlib-node";
import { buildGraph, exactNeighbors } from "../src/domain/hnsw";
import { MAX_SERVING_EF_SEARCH } from "../src/domain/hnsw-config";
import { type Answers, measureArms, recallAt } from "../src/domain/hnsw-measure";
import { seededSample } from "../src/domain/seeded-random";
import { latencySummary } from "../src/domain/trial-metrics";
import { truthRadii } from "../src/domain/truth-radii";
import { searchEf } from "../src/domain/tuner";
import { type Dataset, queryRowsOf } from "./datasets";
import { hnswlibWithout } from "./hnswlib-without";

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
  const rows = { data: values, dimension, rows: count };
  const queries = queryRowsOf(data, QUERIES);
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

/** Copies of one digit, as a share of the index, the copies bench adds. */
const HUB_SHARES = [0, 0.1, 0.2];
/** Graph seeds per (share, m): where the copies land in the graph is a matter of luck. */
const HUB_SEEDS = [42, 7, 3];

/**
 * What many exact copies of one vector (empty documents, a boilerplate chunk) do to an hnswlib
 * graph, under hnswlib's published neighbor heuristic and under vectord's copies patch, in the
 * same run (both builds with vectord's AVX kernels, so they differ in the heuristic alone): the
 * digits with `share` of the index being copies of the first digit, shuffled among them,
 * searched by test digits, recall@10 with ties counted at ef_search 40 and 160, m=16 and m=32
 * (ef_construction 100), each over 3 graph seeds (lowest and highest shown), and the builds'
 * total time. Published, each copy keeps every other copy as a neighbor (a copy is at distance 0
 * from another, which the heuristic's test does not prune), and a search that enters them cannot
 * leave.
 */
export function benchCopyHub(data: Dataset, baseCount: number) {
  const { dimension } = data;
  const builds = [
    { name: "published", graphClass: hnswlibWithout(["copies"]).HierarchicalNSW },
    { name: "patched", graphClass: hnswlib.HierarchicalNSW },
  ];
  const queries = queryRowsOf(data, QUERIES);
  console.log(
    `\nmany copies of one vector: ${baseCount} MNIST digits plus copies of the first, shuffled in, ${QUERIES} test digits, k=${K}, recall with ties counted, lowest-highest over graph seeds ${HUB_SEEDS.join("/")}`,
  );
  console.log("  copies        m   hnswlib-node  ef_search 40     ef_search 160    builds");
  for (const share of HUB_SHARES) {
    const copies = Math.round((baseCount * share) / (1 - share));
    const count = baseCount + copies;
    const order = seededSample(
      Array.from({ length: count }, (_, r) => r),
      count,
      9,
    );
    const values = new Float32Array(count * dimension);
    order.forEach((source, at) => {
      const r = source < baseCount ? source : 0;
      values.set(data.base.subarray(r * dimension, (r + 1) * dimension), at * dimension);
    });
    const rows = { data: values, dimension, rows: count };
    const truth = exactNeighbors(rows, "l2", queries, K);
    const answers = { truth, k: K, radii: truthRadii(rows, "l2", queries, truth, K) };
    for (const m of [16, 32]) {
      for (const { name, graphClass } of builds) {
        const started = performance.now();
        let buildMs = 0;
        const recalls = HUB_SEEDS.map((seed) => {
          const built = performance.now();
          const params = { m, ef_construction: 100, seed };
          const graph = buildGraph(rows, "l2", params, undefined, graphClass);
          buildMs += performance.now() - built;
          return [40, 160].map((ef) => recallAt(graph, queries, answers, ef));
        });
        const span = (i: number) => {
          const at = recalls.map((r) => r[i] as number);
          return `${Math.min(...at).toFixed(4)}-${Math.max(...at).toFixed(4)}`;
        };
        const label = `${copies} (${Math.round(share * 100)}%)`;
        console.log(
          `  ${label.padEnd(13)} ${String(m).padEnd(3)} ${name.padEnd(13)} ${span(0).padEnd(16)} ${span(1).padEnd(16)} ${(buildMs / 1000).toFixed(1)} s (${((performance.now() - started) / 1000).toFixed(1)} s with searches)`,
        );
      }
    }
  }
}
