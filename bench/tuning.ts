import { HarnessRowsCache } from "../src/app/harness-rows";
import { measuredAs } from "../src/app/hnsw-tasks";
import { buildGraph } from "../src/domain/hnsw";
import type { HnswConfig } from "../src/domain/hnsw-config";
import { type Arm, measureArms, recallAt } from "../src/domain/hnsw-measure";
import { latencySummary } from "../src/domain/trial-metrics";
import { type BenchStack, runAutotune } from "./mnist-stack";

/** The dense sweep's ef_search values: every one to 50, then steps of 2, 5 and 10 up to 800. */
function denseLadder(): number[] {
  const efs: number[] = [];
  for (let ef = 10; ef <= 50; ef++) efs.push(ef);
  for (let ef = 52; ef <= 100; ef += 2) efs.push(ef);
  for (let ef = 105; ef <= 200; ef += 5) efs.push(ef);
  for (let ef = 210; ef <= 800; ef += 10) efs.push(ef);
  return efs;
}

const SWEEP_EFC = [40, 80, 160];
const TARGETS = [0.9, 0.95, 0.99];
/** Passes when the bench times configs against each other (interleaved, as the runoff does). */
const PASSES = 7;

/**
 * `target_recall` against a dense sweep measured in the same run (issue #9). The sweep builds
 * m=16 at ef_construction 40, 80, 160 and scores recall at every ef_search of a dense ladder
 * 10..800; for each target its optimum is the fastest (graph, smallest ef reaching the target).
 * The sweep's graphs hold out the harness's query vectors, as trials' graphs do.
 * The tuner runs through the local API (default space, 6 builds). Pick and optimum are then
 * timed side by side in this process (the pick's graph rebuilt from the same rows and seed), so
 * the ratio compares like with like. Goal per target: recall ≥ target, pick p50 ÷ optimum p50
 * ≤ 1.10, at most 6 builds.
 */
export async function benchTargetRecall(env: BenchStack, name: string, label: string) {
  const { vectors, harnesses, runner } = env.services;
  const prepared = await new HarnessRowsCache({ vectors, harnesses, runner }).prepare(
    name,
    `${name}-h`,
    "refuse",
  );
  const { loaded, record } = prepared;
  // As trials are: graphs without the queries' own vectors, measured in their labels.
  const { k, held } = prepared.rows;
  const answers = measuredAs(held, prepared.rows);
  const { queries } = answers;
  const graphs = new Map<string, ReturnType<typeof buildGraph>>();
  const graphOf = (c: Pick<HnswConfig, "m" | "ef_construction" | "seed">) => {
    const key = `${c.m}/${c.ef_construction}/${c.seed}`;
    let graph = graphs.get(key);
    if (!graph) {
      graph = buildGraph(loaded, record.metric, c, held?.labelRows);
      graphs.set(key, graph);
    }
    return graph;
  };

  console.log(
    `\ntarget_recall against a dense sweep, ${label}, ${queries.rows} autogen queries, k=${k}`,
  );
  const sweepStarted = performance.now();
  const ladder = denseLadder();
  const recalls = SWEEP_EFC.map((efc) => {
    const graph = graphOf({ m: 16, ef_construction: efc, seed: 42 });
    return ladder.map((ef) => recallAt(graph, queries, answers, ef));
  });
  console.log(
    `  dense sweep: m=16, ef_construction ${SWEEP_EFC.join("/")}, ${ladder.length} ef_search values 10..800 each (${((performance.now() - sweepStarted) / 1000).toFixed(1)} s)`,
  );

  const time = (arms: Arm[]) =>
    measureArms(arms, queries, answers, PASSES).map((m) => latencySummary(m.latenciesUs).p50);
  const rows: string[] = [];
  for (const target of TARGETS) {
    // The sweep's candidates: per graph, the smallest ef reaching the target; timed side by side.
    const candidates = SWEEP_EFC.flatMap((efc, g) => {
      const i = (recalls[g] as number[]).findIndex((r) => r >= target);
      return i < 0
        ? []
        : [{ efc, ef: ladder[i] as number, recall: (recalls[g] as number[])[i] as number }];
    });
    const candidateP50 = time(
      candidates.map((c) => ({
        graph: graphOf({ m: 16, ef_construction: c.efc, seed: 42 }),
        efSearch: c.ef,
      })),
    );
    const best = candidateP50.indexOf(Math.min(...candidateP50));
    const optimum = candidates[best];

    const { job, wallMs } = await runAutotune(env, {
      index_name: name,
      harness: `${name}-h`,
      strategy: "target_recall",
      min_recall: target,
    });
    const pick = job.winner?.config as HnswConfig | undefined;
    const builds = job.progress.builds_done as number;
    if (!pick || !optimum) {
      rows.push(
        `  target ${target}: no pick (${job.reason}); sweep optimum ${optimum ? `efc=${optimum.efc} ef=${optimum.ef}` : "none"}`,
      );
      continue;
    }
    const [pickP50, optP50] = time([
      { graph: graphOf(pick), efSearch: pick.ef_search },
      { graph: graphOf({ m: 16, ef_construction: optimum.efc, seed: 42 }), efSearch: optimum.ef },
    ]) as [number, number];
    const pickRecall = recallAt(graphOf(pick), queries, answers, pick.ef_search);
    rows.push(
      `  target ${target}: pick m=${pick.m} ef_construction=${pick.ef_construction} ef_search=${pick.ef_search} ` +
        `recall ${pickRecall.toFixed(3)} p50 ${pickP50.toFixed(0)} us | sweep optimum m=16 ef_construction=${optimum.efc} ` +
        `ef_search=${optimum.ef} recall ${optimum.recall.toFixed(3)} p50 ${optP50.toFixed(0)} us | ratio ${(pickP50 / optP50).toFixed(2)} ` +
        `(goal ≤ 1.10), ${builds} builds (goal ≤ 6), ${job.progress.round} rounds, wall ${(wallMs / 1000).toFixed(1)} s; stopped: ${job.stop_reason}`,
    );
  }
  for (const row of rows) console.log(row);
}
