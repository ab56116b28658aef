import { availableParallelism } from "node:os";
import type { Trial } from "../src/domain/trial";
import { type BenchStack, runAutotune } from "./mnist-stack";

/**
 * Autotune of the default grid (`max_recall`) through the local API. The goal (issue #9): wall
 * time at most 1.3 × max(slowest single build, sum of builds ÷ cores), where the builds are the
 * job's own, measured in the same run.
 */
export async function benchAutotune(env: BenchStack, name: string, label: string) {
  const { job, wallMs } = await runAutotune(env, { index_name: name, harness: `${name}-h` });
  const trials = job.trials as Trial[];
  const builds = new Map(trials.map((t) => [t.snapshot_key, t.metrics.build_time_ms]));
  const maxBuild = Math.max(...builds.values());
  const sumBuilds = [...builds.values()].reduce((a, b) => a + b, 0);
  const cores = availableParallelism();
  const bound = Math.max(maxBuild, sumBuilds / cores);
  console.log(
    `\nautotune, default grid (max_recall: 5 configs, ${builds.size} builds, longest first), ${label}, ${job.status}`,
  );
  for (const t of trials) {
    console.log(
      `  ef_construction=${t.config.ef_construction} ef_search=${t.config.ef_search}: recall@10 ${t.metrics.recall_at_k.toFixed(3)}, ` +
        `p50 ${t.metrics.search_latency_p50_us} us, build ${t.metrics.build_time_ms} ms`,
    );
  }
  console.log(
    `  winner: ef_construction=${job.winner?.config.ef_construction} ef_search=${job.winner?.config.ef_search} (promoted: ${job.promoted})`,
  );
  console.log(
    `  wall time ${wallMs.toFixed(0)} ms; slowest build ${maxBuild.toFixed(0)} ms; builds ${sumBuilds.toFixed(0)} ms ÷ ${cores} cores = ${(sumBuilds / cores).toFixed(0)} ms`,
  );
  console.log(
    `  -> wall ÷ max(slowest, sum ÷ cores) = ${(wallMs / bound).toFixed(2)} (goal ≤ 1.30)`,
  );
  return { wallMs, bound, ratio: wallMs / bound };
}
