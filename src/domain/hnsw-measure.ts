import { type QueryRows, rowOf } from "./hnsw";
import { type Found, RecallMean } from "./trial-metrics";

/** The part of an hnswlib graph that measuring needs. */
export interface Searchable {
  /** Sets the search's candidate list size. */
  setEf(ef: number): void;
  /** The `k` nearest labels to `query`, with their distances. */
  searchKnn(query: Float32Array, k: number): { neighbors: number[]; distances: number[] };
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

/** What a harness's queries should find: what measuring counts recall against. */
export interface Answers {
  /** Exact top-k labels per query, query-major, -1 padded. */
  readonly truth: Int32Array;
  /** Neighbors per query. */
  readonly k: number;
  /**
   * Per query, the distance of its farthest true neighbor (`truthRadii` in ./truth-radii.ts): a result
   * no farther counts as found, a tie. Absent: only the truth's own labels count.
   */
  readonly radii?: Float64Array;
}

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
  return (arm: Arm, q: number): Found => {
    const size = arm.graph.getCurrentCount();
    const exclude = queries.excludeRows[q] as number;
    const want = Math.min(size, k + (exclude >= 0 ? 1 : 0));
    arm.graph.setEf(Math.max(arm.efSearch, want));
    const { neighbors, distances } = arm.graph.searchKnn(rowOf(queries, q), want);
    if (exclude < 0) return { rows: neighbors, distances };
    const at = neighbors.indexOf(exclude);
    if (at >= 0) {
      neighbors.splice(at, 1);
      distances.splice(at, 1);
    }
    return { rows: neighbors.slice(0, k), distances: distances.slice(0, k) };
  };
}

/** Counts query `q`'s `found` into `recall` against `answers`. */
function count(recall: RecallMean, found: Found, answers: Answers, q: number): void {
  recall.add(found, truthRow(answers.truth, q, answers.k), answers.radii?.[q]);
}

/** recall@k of a graph at one ef_search, one untimed pass (search is deterministic). */
export function recallAt(
  graph: Searchable,
  queries: QueryRows,
  answers: Answers,
  efSearch: number,
): number {
  const run = queryRunner(queries, answers.k);
  const recall = new RecallMean();
  for (let q = 0; q < queries.rows; q++) count(recall, run({ graph, efSearch }, q), answers, q);
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
  answers: Answers,
  passes = MEASURE_PASSES,
  warmup = WARMUP_QUERIES,
): ArmMeasurement[] {
  const run = queryRunner(queries, answers.k);
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
        if (pass === 0) count(recalls[a] as RecallMean, found, answers, q);
      }
    }
  }
  return arms.map((_, a) => ({
    recall: (recalls[a] as RecallMean).value(),
    recallStderr: (recalls[a] as RecallMean).stderr(),
    latenciesUs: latencies[a] as Float64Array,
  }));
}
