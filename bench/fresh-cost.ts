import type { PreparedGeneration } from "../src/app/generation-builder";
import type { FirstTouch } from "./first-touch";
import { median } from "./stats";

/**
 * One timed preparation of a generation: wall time and time in hnswlib, ms, and the page faults
 * of the process meanwhile (its worker threads' included: memory it touched for the first time).
 */
export interface Run {
  readonly ms: number;
  readonly hnswMs: number;
  readonly method: PreparedGeneration["method"];
  readonly faults: number;
}

/** The fresh bench's cost rounds, each way's runs in round order. */
export interface CostRuns {
  readonly rebuild: readonly Run[];
  /** Rebuilds on an instance that stays up across the rounds (reading the vectors each time). */
  readonly rebuildWarm: readonly Run[];
  readonly catchUpCold: readonly Run[];
  readonly catchUpWarm: readonly Run[];
  readonly catchUpHeld: readonly Run[];
  /** Catch-ups of a graph the instance built and holds (the first after an activation there). */
  readonly catchUpAfterBuild: readonly Run[];
  readonly catchUpColdOneThread: readonly Run[];
  readonly rawRebuild: readonly Run[];
  readonly rawCatchUp: readonly Run[];
  readonly rawCatchUpThreads: readonly Run[];
}

/**
 * Prints the fresh bench's cost section: medians, each catch-up's ratio to the rebuild (per round,
 * paired with its own round's rebuild), the gain of `threads` over one, the floors, each way's
 * page faults, and this machine's cost of a first touch (`touch`, µs per page, probed before the
 * rounds and after them: it moves from a tenth of a µs to tens, with what the kernel hands out).
 */
export function printCost(
  runs: CostRuns,
  o: {
    touch: readonly [FirstTouch, FirstTouch];
    reps: number;
    first: number;
    total: number;
    threads: number;
    goal: string;
  },
) {
  const spread = (xs: number[], digits: number) =>
    `${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)}`;
  const ms = (way: readonly Run[]) => median(way.map((r) => r.ms));
  const hnsw = (way: readonly Run[]) => median(way.map((r) => r.hnswMs));
  console.log(
    `  cost, median of ${o.reps} interleaved runs each, from the catalog record to graph + label map in S3; catch-up of ${(o.total - o.first).toLocaleString("en")} onto ${o.first.toLocaleString("en")} vs full rebuild of ${o.total.toLocaleString("en")} (${o.goal}):`,
  );
  console.log(
    `    full rebuild on a new instance (vectors read from S3): ${ms(runs.rebuild).toFixed(0)} ms (${spread(
      runs.rebuild.map((r) => r.ms),
      0,
    )}; hnswlib ${hnsw(runs.rebuild).toFixed(0)})`,
  );
  for (const [label, catchUps] of [
    [
      `graph downloaded (an instance that did not write it), ${o.threads} threads`,
      runs.catchUpCold,
    ],
    [
      `graph held in memory (successive catch-ups on one instance), ${o.threads} threads`,
      runs.catchUpHeld,
    ],
    [
      `graph held after the instance built it (the first catch-up after an activation there), ${o.threads} threads`,
      runs.catchUpAfterBuild,
    ],
    [
      `graph file on local disk (held graph let go by other work; before, any warm instance), ${o.threads} threads`,
      runs.catchUpWarm,
    ],
    ["graph downloaded, 1 thread (the previous code path)", runs.catchUpColdOneThread],
  ] as const) {
    // Per-round ratios pair each catch-up with the rebuild of its own round.
    const ratios = catchUps.map((r, i) => r.ms / (runs.rebuild[i] as Run).ms);
    const hnswRatios = catchUps.map((r, i) => r.hnswMs / (runs.rebuild[i] as Run).hnswMs);
    console.log(
      `    catch-up, ${label}: ${ms(catchUps).toFixed(0)} ms (hnswlib ${hnsw(catchUps).toFixed(0)}) -> ÷ rebuild ${(ms(catchUps) / ms(runs.rebuild)).toFixed(3)} end to end (rounds ${spread(ratios, 3)}, ${ratios.filter((r) => r <= 0.3).length} of ${ratios.length} ≤ 0.3), ${(hnsw(catchUps) / hnsw(runs.rebuild)).toFixed(3)} in hnswlib (rounds ${spread(hnswRatios, 3)})`,
    );
  }
  // Warm against warm: the same instance-level warmth on both sides (a rebuild still reads the
  // vectors, as every rebuild of changed data does).
  console.log(
    `    full rebuild on an instance that stays up (its vectors read from S3 again each time): ${ms(runs.rebuildWarm).toFixed(0)} ms (${spread(
      runs.rebuildWarm.map((r) => r.ms),
      0,
    )}; hnswlib ${hnsw(runs.rebuildWarm).toFixed(0)}); catch-ups on a warm instance ÷ it:`,
  );
  for (const [label, catchUps] of [
    ["graph held in memory", runs.catchUpHeld],
    ["graph held after a build", runs.catchUpAfterBuild],
    ["graph file on local disk", runs.catchUpWarm],
  ] as const) {
    const ratios = catchUps.map((r, i) => r.ms / (runs.rebuildWarm[i] as Run).ms);
    console.log(
      `      ${label}: ${(ms(catchUps) / ms(runs.rebuildWarm)).toFixed(3)} (rounds ${spread(ratios, 3)}, ${ratios.filter((r) => r <= 0.3).length} of ${ratios.length} ≤ 0.3)`,
    );
  }
  const threadGain = runs.catchUpColdOneThread.map(
    (r, i) => r.ms / (runs.catchUpCold[i] as Run).ms,
  );
  console.log(
    `    cold catch-up, 1 thread ÷ ${o.threads} threads: ${median(threadGain).toFixed(2)}× (rounds ${spread(threadGain, 2)})`,
  );
  for (const [label, catchUps] of [
    ["1 thread", runs.rawCatchUp],
    [`${o.threads} threads`, runs.rawCatchUpThreads],
  ] as const) {
    const rawRatios = catchUps.map((r, i) => r.ms / (runs.rawRebuild[i] as Run).ms);
    console.log(
      `    the floor, raw hnswlib-node (no storage, no worker), catch-up on ${label}: rebuild ${ms(runs.rawRebuild).toFixed(0)} ms, catch-up ${ms(catchUps).toFixed(0)} ms -> ${(ms(catchUps) / ms(runs.rawRebuild)).toFixed(3)} (rounds ${spread(rawRatios, 3)})`,
    );
  }
  const faults = (way: readonly Run[]) => median(way.map((r) => r.faults));
  const [before, after] = o.touch;
  console.log(
    `    memory touched for the first time (page faults, median; a first touch of a 4 KiB page took ${before.first.toFixed(1)} µs here before the rounds and ${after.first.toFixed(1)} after them, ${after.again.toFixed(2)} µs touched again):`,
  );
  for (const [label, way] of [
    ["full rebuild", runs.rebuild],
    ["full rebuild, instance that stays up", runs.rebuildWarm],
    ["catch-up, graph downloaded", runs.catchUpCold],
    ["catch-up, graph held in memory", runs.catchUpHeld],
    ["catch-up, graph held after a build", runs.catchUpAfterBuild],
    ["catch-up, graph file on local disk", runs.catchUpWarm],
    ["the floor's rebuild", runs.rawRebuild],
    [`the floor's catch-up, ${o.threads} threads`, runs.rawCatchUpThreads],
  ] as const) {
    console.log(
      `      ${label}: ${faults(way).toLocaleString("en")} faults (${ms(way).toFixed(0)} ms)`,
    );
  }
}
