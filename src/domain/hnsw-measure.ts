import { fillRow, type QueryRows } from "./hnsw";
import { RecallMean } from "./trial-metrics";

/** The part of an hnswlib graph that measuring needs. */
export interface Searchable {
  /** Sets the search's candidate list size. */
  setEf(ef: number): void;
  /** The `k` nearest labels to `query`, with their distances. */
  searchKnn(query: number[], k: number): { neighbors: number[]; distances: number[] };
  /** Elements in the graph. */
  getCurrentCount(): number;
}

/** One thing to measure: a graph searched at one ef_search. */
export interface Arm {
  /** The graph searched. */
  readonly graph: Searchable;
  /** The ef_search it is searched at. */
  readonly efSearch: number;
}

/** What {@link measureArms} found for one arm. */
export interface ArmMeasurement {
  /** Mean recall@k over the queries. */
  readonly recall: number;
  /** Its standard error (see {@link RecallMean.stderr}). */
  readonly recallStderr: number;
  /** Per-query latency in µs, every pass (queries × passes values). */
  readonly latenciesUs: Float64Array;
}

/** Default passes over the harness per measured point. */
export const MEASURE_PASSES = 3;
/** Untimed queries per arm before timing starts. */
export const WARMUP_QUERIES = 20;

function truthRow(truth: Int32Array, q: number, k: number): Int32Array {
  const row = truth.subarray(q * k, (q + 1) * k);
  const end = row.indexOf(-1);
  return end === -1 ? row : row.subarray(0, end);
}

/**
 * A reusable runner of one query against one arm. A query that is itself an index row asks for
 * k+1 neighbors and drops that row, so recall is not inflated by self-matches; hnswlib needs ef
 * at least the number of results asked for.
 */
function queryRunner(queries: QueryRows, k: number) {
  const point = new Array<number>(queries.dimension);
  return (arm: Arm, q: number): number[] => {
    const size = arm.graph.getCurrentCount();
    const exclude = queries.excludeRows[q] as number;
    const want = Math.min(size, k + (exclude >= 0 ? 1 : 0));
    arm.graph.setEf(Math.max(arm.efSearch, want));
    const { neighbors } = arm.graph.searchKnn(fillRow(queries, q, point), want);
    return exclude >= 0 ? neighbors.filter((n) => n !== exclude).slice(0, k) : neighbors;
  };
}

/** recall@k of a graph at one ef_search, one untimed pass (search is deterministic). */
export function recallAt(
  graph: Searchable,
  queries: QueryRows,
  truth: Int32Array,
  k: number,
  efSearch: number,
): number {
  const run = queryRunner(queries, k);
  const recall = new RecallMean();
  for (let q = 0; q < queries.rows; q++)
    recall.add(run({ graph, efSearch }, q), truthRow(truth, q, k));
  return recall.value();
}

/**
 * Measures several arms fairly: each is warmed up, then `passes` passes run over every query,
 * interleaved (each pass runs every arm once, in an order rotated per pass), so a change in
 * machine load falls on all arms alike. Each query is timed alone. Recall comes from the first
 * pass.
 */
export function measureArms(
  arms: readonly Arm[],
  queries: QueryRows,
  truth: Int32Array,
  k: number,
  passes = MEASURE_PASSES,
  warmup = WARMUP_QUERIES,
): ArmMeasurement[] {
  const run = queryRunner(queries, k);
  const n = queries.rows;
  for (const arm of arms) for (let i = 0; i < Math.min(warmup, n); i++) run(arm, i);
  const latencies = arms.map(() => new Float64Array(n * passes));
  const recalls = arms.map(() => new RecallMean());
  for (let pass = 0; pass < passes; pass++) {
    for (let j = 0; j < arms.length; j++) {
      const a = (j + pass) % arms.length;
      const arm = arms[a] as Arm;
      const out = latencies[a] as Float64Array;
      for (let q = 0; q < n; q++) {
        const start = process.hrtime.bigint();
        const found = run(arm, q);
        out[pass * n + q] = Number(process.hrtime.bigint() - start) / 1000;
        if (pass === 0) recalls[a]?.add(found, truthRow(truth, q, k));
      }
    }
  }
  return arms.map((_, a) => ({
    recall: (recalls[a] as RecallMean).value(),
    recallStderr: (recalls[a] as RecallMean).stderr(),
    latenciesUs: latencies[a] as Float64Array,
  }));
}
