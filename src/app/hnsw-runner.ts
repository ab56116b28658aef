import { availableParallelism } from "node:os";
import { Piscina } from "piscina";
import { WORKER_ENV_VAR } from "../../infra/routes";
import { logger } from "../logger";
import type { BuildTask, GroundTruthTask, MeasureResult, MeasureTask } from "./hnsw-worker";

/** Runs HNSW builds, measurements and ground truth on worker threads. */
export interface HnswRunner {
  measure(task: MeasureTask): Promise<MeasureResult>;
  groundTruth(task: GroundTruthTask): Promise<Int32Array>;
  build(task: BuildTask): Promise<{ buildTimeMs: number; bytes: number }>;
  close(): Promise<void>;
}

function workerFile(): string {
  // From source (local stack, tests) a small entry loads the TypeScript worker through tsx.
  return (
    process.env[WORKER_ENV_VAR] ?? new URL("./hnsw-worker-from-source.mjs", import.meta.url).href
  );
}

/**
 * A pool of up to `maxThreads` workers (default: the machine's cores), so builds run in
 * parallel and never block the event loop. Idle workers exit after `idleTimeoutMs`.
 */
export function createHnswRunner(
  options: { maxThreads?: number; idleTimeoutMs?: number } = {},
): HnswRunner {
  let pool: Piscina | undefined;
  const get = (): Piscina => {
    if (!pool) {
      pool = new Piscina({
        filename: workerFile(),
        minThreads: 0,
        maxThreads: options.maxThreads ?? availableParallelism(),
        idleTimeout: options.idleTimeoutMs ?? 60_000,
      });
      // A worker that dies fails its task (the caller sees the error); it must never take the
      // process down with an unhandled 'error' event.
      pool.on("error", (err: unknown) =>
        logger.error("HNSW worker failed", { error: err as Error }),
      );
    }
    return pool;
  };
  return {
    measure: (task) => get().run(task, { name: "buildAndMeasure" }) as Promise<MeasureResult>,
    groundTruth: (task) => get().run(task, { name: "groundTruth" }) as Promise<Int32Array>,
    build: (task) =>
      get().run(task, { name: "buildToFile" }) as Promise<{ buildTimeMs: number; bytes: number }>,
    async close() {
      const p = pool;
      pool = undefined;
      await p?.destroy();
    },
  };
}
