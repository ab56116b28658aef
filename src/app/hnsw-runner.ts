import { availableParallelism } from "node:os";
import type { Piscina } from "piscina";
import { buildCost } from "../domain/autotune";
import { logger } from "../logger";
import type {
  BuildTask,
  CatchUpTask,
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
  /** Runs `buildAndMeasure` off the event loop. */
  measure(task: MeasureTask): Promise<MeasureResult>;
  /** Runs `buildAndTune` off the event loop. */
  tune(task: TuneTask): Promise<TuneResult>;
  /** Runs `runoff` off the event loop. */
  runoff(task: RunoffTask): Promise<SearchResultSummary[]>;
  /** Runs `groundTruth` off the event loop. */
  groundTruth(task: GroundTruthTask): Promise<Int32Array>;
  /** Runs `buildToFile` off the event loop. */
  build(task: BuildTask): Promise<{ buildTimeMs: number; bytes: number }>;
  /** Runs `catchUpGraph` off the event loop. */
  catchUp(task: CatchUpTask): Promise<{ timeMs: number; bytes: number }>;
  /** Stops its worker threads. */
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
 * Runs tasks on at most `slots` at once; waiting tasks start in priority order (highest first),
 * whatever order they arrived in, so a round's longest builds start first and the round ends
 * sooner.
 */
function priorityScheduler(slots: number) {
  let running = 0;
  const waiting: { priority: number; seq: number; start: () => void }[] = [];
  let seq = 0;
  const next = () => {
    while (running < slots && waiting.length > 0) {
      running++;
      (waiting.shift() as (typeof waiting)[number]).start();
    }
  };
  return <T>(priority: number, run: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      waiting.push({
        priority,
        seq: seq++,
        start: () => {
          run()
            .then(resolve, reject)
            .finally(() => {
              running--;
              next();
            });
        },
      });
      waiting.sort((a, b) => b.priority - a.priority || a.seq - b.seq);
      next();
    });
}

/** Options of {@link createHnswRunner}. */
export interface HnswRunnerOptions {
  /** Worker threads, each running one task at a time (default: the machine's cores). */
  readonly maxThreads?: number;
  /**
   * Threads a catch-up adds its rows on, unless its task names them (default: the machine's
   * cores). A catch-up is not seeded (a build is, and stays on one thread), and on Lambda the
   * graph functions pay for all their vCPUs (2 at the default 3,538 MB) whether one or all are
   * busy, so a catch-up on all costs the same and ends sooner (on 2, its insertions in about 0.7
   * of the time; see the fresh bench).
   */
  readonly catchUpThreads?: number;
}

/**
 * A pool of `maxThreads` workers (default: the machine's cores), so builds run in parallel and
 * never block the event loop; the costliest waiting build starts first. The pool starts on first
 * use with every worker, and they stay: a worker started on demand (idle ones exited after a
 * minute) made the first parallel build of a round wait for its thread and module load (about
 * 0.3 s on the local stack), in the round's critical path.
 */
export function createHnswRunner(options: HnswRunnerOptions = {}): HnswRunner {
  const maxThreads = options.maxThreads ?? availableParallelism();
  const catchUpThreads = options.catchUpThreads ?? availableParallelism();
  const schedule = priorityScheduler(maxThreads);
  let pool: Promise<Piscina> | undefined;
  // Loaded on first use, so functions that never build graphs never load piscina (their bundles
  // do not ship it).
  const get = (): Promise<Piscina> => {
    pool ??= import("piscina").then(({ Piscina }) => {
      const created = new Piscina({
        filename: workerFile(),
        minThreads: maxThreads,
        maxThreads,
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
  const run = <T>(task: unknown, name: string, priority = 0): Promise<T> =>
    schedule(priority, async () => (await get()).run(task, { name }) as Promise<T>);
  return {
    measure: (task) => run<MeasureResult>(task, "buildAndMeasure", buildCost(task.build)),
    tune: (task) => run<TuneResult>(task, "buildAndTune", buildCost(task.build)),
    runoff: (task) => run<SearchResultSummary[]>(task, "runoff"),
    groundTruth: (task) => run<Int32Array>(task, "groundTruth"),
    build: (task) =>
      run<{ buildTimeMs: number; bytes: number }>(task, "buildToFile", buildCost(task.build)),
    catchUp: (task) =>
      run<{ timeMs: number; bytes: number }>(
        { ...task, threads: task.threads ?? catchUpThreads },
        "catchUpGraph",
      ),
    async close() {
      const p = pool;
      pool = undefined;
      await (await p)?.destroy();
    },
  };
}
