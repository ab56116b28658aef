import { availableParallelism } from "node:os";
import type { Piscina } from "piscina";
import { logger } from "../logger";
import type {
  BuildTask,
  GroundTruthTask,
  MeasureResult,
  MeasureTask,
  RunoffTask,
  SearchResultSummary,
  TuneResult,
  TuneTask,
} from "./hnsw-tasks";

/** Runs HNSW builds, measurements and ground truth on worker threads. */
export interface HnswRunner {
  measure(task: MeasureTask): Promise<MeasureResult>;
  tune(task: TuneTask): Promise<TuneResult>;
  runoff(task: RunoffTask): Promise<SearchResultSummary[]>;
  groundTruth(task: GroundTruthTask): Promise<Int32Array>;
  build(task: BuildTask): Promise<{ buildTimeMs: number; bytes: number }>;
  close(): Promise<void>;
}

/**
 * The worker entry beside this module: `src/app/hnsw-worker.mjs` from source, and in a Lambda
 * bundle (where this code is inlined into `index.mjs`) the compiled worker shipped beside it.
 */
function workerFile(): string {
  return new URL("./hnsw-worker.mjs", import.meta.url).href;
}

/**
 * A pool of up to `maxThreads` workers (default: the machine's cores), so builds run in
 * parallel and never block the event loop. Idle workers exit after `idleTimeoutMs`.
 */
export function createHnswRunner(
  options: { maxThreads?: number; idleTimeoutMs?: number } = {},
): HnswRunner {
  let pool: Promise<Piscina> | undefined;
  // Loaded on first use, so functions that never build graphs never load piscina (their bundles
  // do not ship it).
  const get = (): Promise<Piscina> => {
    pool ??= import("piscina").then(({ Piscina }) => {
      const created = new Piscina({
        filename: workerFile(),
        minThreads: 0,
        maxThreads: options.maxThreads ?? availableParallelism(),
        idleTimeout: options.idleTimeoutMs ?? 60_000,
      });
      // A worker that dies fails its task (the caller sees the error); it must never take the
      // process down with an unhandled 'error' event.
      created.on("error", (err: unknown) =>
        logger.error("HNSW worker failed", { error: err as Error }),
      );
      return created;
    });
    return pool;
  };
  const run = async <T>(task: unknown, name: string): Promise<T> =>
    (await get()).run(task, { name }) as Promise<T>;
  return {
    measure: (task) => run<MeasureResult>(task, "buildAndMeasure"),
    tune: (task) => run<TuneResult>(task, "buildAndTune"),
    runoff: (task) => run<SearchResultSummary[]>(task, "runoff"),
    groundTruth: (task) => run<Int32Array>(task, "groundTruth"),
    build: (task) => run<{ buildTimeMs: number; bytes: number }>(task, "buildToFile"),
    async close() {
      const p = pool;
      pool = undefined;
      await (await p)?.destroy();
    },
  };
}
