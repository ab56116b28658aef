import type { Job } from "../src/domain/autotune";
import { startLocalStack } from "../src/local/local-stack";
import type { Dataset } from "./datasets";

/**
 * Autotune of the default grid on a real dataset, through the HTTP API of the in-process local
 * stack (the same handlers, emulators and workflow definition as `npm start`). The baselines,
 * measured in the same run: the job's single most expensive build, and the sum of what building
 * each of the 5 grid configs on its own would take.
 */
export async function benchAutotune(data: Dataset): Promise<void> {
  const stack = await startLocalStack();
  try {
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${stack.url}${path}`, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json = (await res.json()) as Job;
      if (res.status >= 300)
        throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const { dimension, baseCount } = data;
    await call("PUT", "/vectors/indexes/mnist", { dimension, metric: "l2" });
    for (let start = 0; start < baseCount; start += 1000) {
      const vectors = [];
      for (let i = start; i < Math.min(baseCount, start + 1000); i++) {
        const values = new Array<number>(dimension);
        for (let j = 0; j < dimension; j++) values[j] = data.base[i * dimension + j] as number;
        vectors.push({ id: `d${i}`, values });
      }
      await call("POST", "/vectors/indexes/mnist/vectors", { vectors });
    }
    await call("POST", "/vectors/hnsw/evals/mnist-h/autogen", {
      index_name: "mnist",
      count: 100,
      k: 10,
    });

    const started = performance.now();
    let job = await call("POST", "/vectors/hnsw/autotune", {
      index_name: "mnist",
      harness: "mnist-h",
      wait_seconds: 25,
    });
    while (job.status === "RUNNING") {
      await new Promise((r) => setTimeout(r, 200));
      job = await call("GET", `/vectors/hnsw/autotune/${job.job_id}`);
    }
    const wallMs = performance.now() - started;
    const trials = job.trials;
    const builds = new Map(trials.map((t) => [t.snapshot_key, t.metrics.build_time_ms]));
    const maxBuild = Math.max(...builds.values());
    const perConfig = trials.reduce((sum, t) => sum + t.metrics.build_time_ms, 0);
    console.log(
      `\nautotune, default grid (5 configs, ${builds.size} builds), ${data.name}, 100 queries, k=10, ${job.status}`,
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
      `  wall time ${wallMs.toFixed(0)} ms; most expensive single build ${maxBuild.toFixed(0)} ms -> ${(wallMs / maxBuild).toFixed(2)}x of it`,
    );
    console.log(
      `  one build per config, one after another, would take ${perConfig.toFixed(0)} ms of builds -> autotune is ${(perConfig / wallMs).toFixed(2)}x faster`,
    );
  } finally {
    await stack.stop();
  }
}
