/**
 * The `target_recall` tuner: finds the HNSW config with the lowest search latency whose recall@k
 * on the harness reaches a target, within a space of (m, ef_construction) and a budget of graph
 * builds. Pure decisions, no I/O: the workflow feeds it what each round of builds measured and
 * it says what to build next, or why it stops.
 *
 * Method: a pattern (coordinate) search over the discrete grid m × ef_construction-ladder.
 * - Round 1 builds every `m` two thirds up the ef_construction ladder: `m` changes both the
 *   latency per hop and the hops needed, and its best value depends on the data and the target,
 *   so it is measured, not guessed; a good graph (high ef_construction) shows each m near its
 *   best and reaches high targets, and ties later pull ef_construction down to cheaper builds.
 * - Later rounds move along ef_construction from the best point, first by a big step (×2) in both
 *   directions, then by one ladder step (×√2) in the direction that helped, and try the
 *   neighbouring `m` at the best ef_construction. A better graph (higher ef_construction) needs a
 *   smaller ef_search for the same recall, until it saturates; the search finds where latency
 *   stops improving by more than the 5% tie margin.
 * - When no build reaches the target yet, it moves only towards more recall (larger m and
 *   ef_construction), and stops when nothing in the space is left to try.
 * Why this method: with a budget of about 6 builds, each costing seconds to minutes, a model
 * based method (Bayesian optimisation) has too few points to fit, and successive halving needs
 * many cheap partial builds that HNSW does not have (a graph on a subsample has a different
 * latency); a coordinate search uses every build to decide the next and is easy to explain.
 *
 * Within one graph, the smallest ef_search reaching the target is found by a binary search over
 * ef (recall rises with ef): see {@link searchEf}.
 */

/** Where the tuner looks, and how much it may spend. */
export interface TargetSpace {
  /** The recall@k to reach. */
  readonly target: number;
  /** Values of `m` to consider, ascending. */
  readonly ms: readonly number[];
  /** Range of ef_construction to consider. */
  readonly efConstruction: { readonly min: number; readonly max: number };
  /** Largest ef_search measured. */
  readonly maxEfSearch: number;
  /** Most graphs built in one job. */
  readonly maxBuilds: number;
}

/** One graph to build. */
export interface BuildPoint {
  /** Links per node. */
  readonly m: number;
  /** Candidate list size while building. */
  readonly ef_construction: number;
}

/** One (ef_search, recall, p50) measured on a graph. */
export interface EfPoint {
  /** The ef_search measured. */
  readonly ef_search: number;
  /** Recall@k at it. */
  readonly recall: number;
  /** Median search latency at it, µs. */
  readonly p50_us: number;
}

/** What one build measured: its probes, and the smallest ef_search reaching the target. */
export interface BuildOutcome extends BuildPoint {
  /** Every ef_search probed on the graph, with what it measured. */
  readonly points: readonly EfPoint[];
  /** The probe at the smallest ef_search whose recall reached the target, or `null`. */
  readonly best: EfPoint | null;
  /** Size of the serialized graph. */
  readonly memory_bytes: number;
  /** Time to build the graph, ms. */
  readonly build_time_ms: number;
}

/** Configs whose latencies differ by at most this share of the smaller one are ties. */
export const TIE_MARGIN = 0.05;

/** The ef_construction values the search moves on: a geometric ladder (×√2) from min to max. */
export function efConstructionLadder(range: TargetSpace["efConstruction"]): number[] {
  const ladder: number[] = [];
  for (let x = range.min; x < range.max * 0.999; x *= Math.SQRT2) {
    const value = Math.round(x);
    if (ladder.at(-1) !== value) ladder.push(value);
  }
  if (ladder.at(-1) !== range.max) ladder.push(range.max);
  return ladder;
}

/**
 * Orders outcomes best first: reaching the target beats not; among those that reach it, lower
 * p50 at the target, where p50s within {@link TIE_MARGIN} are ties broken by smaller memory, then
 * shorter build; among those that do not, higher recall.
 */
export function compareOutcomes(a: BuildOutcome, b: BuildOutcome): number {
  if (a.best && !b.best) return -1;
  if (!a.best && b.best) return 1;
  if (a.best && b.best) {
    return compareLatency(
      { p50_us: a.best.p50_us, memory_bytes: a.memory_bytes, build_time_ms: a.build_time_ms },
      { p50_us: b.best.p50_us, memory_bytes: b.memory_bytes, build_time_ms: b.build_time_ms },
    );
  }
  return maxRecall(b) - maxRecall(a);
}

/** Lower p50 first; within {@link TIE_MARGIN}, smaller memory, then shorter build. */
export function compareLatency(
  a: { p50_us: number; memory_bytes: number; build_time_ms: number },
  b: { p50_us: number; memory_bytes: number; build_time_ms: number },
): number {
  if (isTie(a.p50_us, b.p50_us)) {
    return a.memory_bytes - b.memory_bytes || a.build_time_ms - b.build_time_ms;
  }
  return a.p50_us - b.p50_us;
}

/**
 * The pick among measured candidates: the fastest p50, unless others are within
 * {@link TIE_MARGIN} of it; among those ties, the smallest memory, then the shortest build. So the
 * pick is never more than the margin slower than the fastest.
 */
export function pickFastest<
  T extends { p50_us: number; memory_bytes: number; build_time_ms: number },
>(candidates: readonly T[]): T | undefined {
  if (candidates.length === 0) return undefined;
  const fastest = Math.min(...candidates.map((c) => c.p50_us));
  const tied = candidates.filter((c) => c.p50_us <= fastest * (1 + TIE_MARGIN));
  return [...tied].sort(
    (a, b) =>
      a.memory_bytes - b.memory_bytes || a.build_time_ms - b.build_time_ms || a.p50_us - b.p50_us,
  )[0];
}

/** True when two latencies are within {@link TIE_MARGIN} of each other. */
export function isTie(a: number, b: number): boolean {
  return Math.abs(a - b) <= TIE_MARGIN * Math.min(a, b);
}

/** The best recall any ef_search reached on one build (0 when none was measured). */
export function maxRecall(outcome: BuildOutcome): number {
  return Math.max(0, ...outcome.points.map((p) => p.recall));
}

/** The tuner's answer after a round: more builds, or a stop with its reason. */
export type NextRound =
  | { readonly kind: "build"; readonly builds: readonly BuildPoint[] }
  | { readonly kind: "stop"; readonly reason: string };

const key = (p: BuildPoint) => `${p.m}/${p.ef_construction}`;

/**
 * What to build next, given every outcome so far (empty before the first round) and the points
 * whose build failed (never tried again). Never repeats a point, never exceeds the budget, and
 * stops when no untried neighbour could do better.
 */
export function nextRound(
  space: TargetSpace,
  done: readonly BuildOutcome[],
  failed: readonly BuildPoint[] = [],
): NextRound {
  const ladder = efConstructionLadder(space.efConstruction);
  const ms = [...space.ms].sort((a, b) => a - b);
  const remaining = space.maxBuilds - done.length;
  if (remaining <= 0)
    return { kind: "stop", reason: `used its budget of ${space.maxBuilds} builds` };
  const start = ladder[Math.round(((ladder.length - 1) * 2) / 3)] as number;
  const tried = new Set([...done, ...failed].map(key));
  if (done.length === 0) {
    const first = ms.map((m) => ({ m, ef_construction: start })).filter((p) => !tried.has(key(p)));
    if (first.length === 0) return { kind: "stop", reason: "every first-round build failed" };
    return { kind: "build", builds: first.slice(0, remaining) };
  }
  const ranked = [...done].sort(compareOutcomes);
  const best = ranked[0] as BuildOutcome;
  const at = ladder.indexOf(best.ef_construction);
  const mAt = ms.indexOf(best.m);
  const candidates: BuildPoint[] = [];
  const consider = (m: number | undefined, efc: number | undefined) => {
    if (m === undefined || efc === undefined) return;
    const point = { m, ef_construction: efc };
    if (!tried.has(key(point)) && !candidates.some((c) => key(c) === key(point))) {
      candidates.push(point);
    }
  };
  if (!best.best) {
    // Nothing reaches the target yet: only more recall can help.
    consider(best.m, ladder.at(-1));
    consider(ms[mAt + 1], best.ef_construction);
    consider(ms.at(-1), ladder.at(-1));
    if (candidates.length === 0) {
      return {
        kind: "stop",
        reason:
          "no config in the space reaches the target: the largest m and ef_construction were built",
      };
    }
    return { kind: "build", builds: candidates.slice(0, remaining) };
  }
  // Along ef_construction: a big step (×2) each way first, then one ladder step, first in the
  // direction that helped (from the nearest other build of the same m to the best).
  const sameM = done.filter((o) => o.m === best.m).map((o) => ladder.indexOf(o.ef_construction));
  if (!sameM.some((i) => Math.abs(i - at) >= 2)) {
    consider(best.m, ladder[at + 2] ?? ladder.at(-1));
    consider(best.m, ladder[Math.max(0, at - 2)]);
  }
  const others = sameM.filter((i) => i !== at).sort((a, b) => Math.abs(a - at) - Math.abs(b - at));
  const direction = others[0] !== undefined && others[0] > at ? -1 : 1;
  consider(best.m, ladder[at + direction]);
  consider(best.m, ladder[at - direction]);
  // Along m: the neighbours of the best m, at the best ef_construction.
  consider(ms[mAt + 1], best.ef_construction);
  consider(ms[mAt - 1], best.ef_construction);
  // At most two per round after the first: each round learns from the one before.
  return { kind: "build", builds: candidates.slice(0, Math.min(2, remaining)) };
}

/**
 * The smallest ef_search in [lo, hi] whose recall reaches `target`, by binary search (recall
 * rises with ef). `recallAt` measures one ef (deterministic for a given graph). Probes hi first:
 * when even hi misses the target, the graph cannot reach it. Stops refining once the bracket is
 * within 2% (latency grows about linearly with ef, so finer steps change nothing measurable).
 * Returns every probe, and the smallest ef that reached the target (or `null`).
 */
export function searchEf(
  recallAt: (ef: number) => number,
  target: number,
  lo: number,
  hi: number,
): { probes: { ef: number; recall: number }[]; found: number | null } {
  const probes: { ef: number; recall: number }[] = [];
  const probe = (ef: number) => {
    const recall = recallAt(ef);
    probes.push({ ef, recall });
    return recall;
  };
  if (probe(hi) < target) return { probes, found: null };
  if (lo >= hi || probe(lo) >= target) return { probes, found: Math.min(lo, hi) };
  // Invariant: recall(lo) < target <= recall(hi).
  let below = lo;
  let above = hi;
  while (above - below > 1 && above > below * 1.02) {
    const mid = Math.floor(Math.sqrt(below * above)); // geometric: ef spans orders of magnitude
    const at = mid <= below ? below + 1 : mid >= above ? above - 1 : mid;
    if (probe(at) >= target) above = at;
    else below = at;
  }
  return { probes, found: above };
}

/** The Pareto front of (recall, p50) points: none has both higher recall and lower p50. */
export function paretoFront<T extends { recall: number; p50_us: number }>(
  points: readonly T[],
): T[] {
  const sorted = [...points].sort((a, b) => a.p50_us - b.p50_us || b.recall - a.recall);
  const front: T[] = [];
  let bestRecall = Number.NEGATIVE_INFINITY;
  for (const p of sorted) {
    if (p.recall > bestRecall) {
      front.push(p);
      bestRecall = p.recall;
    }
  }
  return front;
}
