import { availableParallelism } from "node:os";
import type { Piscina } from "piscina";
import { buildCost } from "../domain/autotune";
import { logger } from "../logger";
import type {
  BuildTask,
  CatchUpResult,
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
  /**
   * Runs `buildToFile` off the event loop. A build that holds its graph (`holdAs`: a
   * generation's) runs on the generation thread (see {@link catchUp}) when that thread is idle, so
   * the next catch-up of it there starts from memory; any other (or one that would wait there)
   * runs in the pool and holds nothing.
   */
  build(task: BuildTask): Promise<{ buildTimeMs: number; bytes: number }>;
  /**
   * Runs `catchUpGraph` off the event loop, on the generation thread: a thread of its own that
   * catch-ups and generation builds take one at a time, so the graphs they hold (`holdAs`, within
   * `heldGraphBytes`) are there for the next catch-ups (`inKey`). Every other task has those
   * graphs let go as it is submitted: at once on an idle thread, or right after a task still
   * running there (which then holds nothing), so another task runs beside held graphs at most
   * until that one ends.
   */
  catchUp(task: CatchUpTask): Promise<CatchUpResult>;
  /**
   * Starts the worker threads (the generation thread too) and waits until each pool has one ready,
   * instead of on first use: for a caller that times work apart from a thread's start.
   */
  start(): Promise<void>;
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
  /**
   * Bytes the graphs the generation thread holds may take in all, the one a task works on
   * included (default 0: it holds the graph it wrote last, whatever its size, and no other). More
   * keeps the graphs of several generations (of several indexes) for their next catch-ups, the
   * ones used least recently going first; see `CatchUpTask.heldBudget`.
   */
  readonly heldGraphBytes?: number;
}

/**
 * A pool of `maxThreads` workers (default: the machine's cores), so builds run in parallel and
 * never block the event loop; the costliest waiting build starts first. The pool starts on first
 * use with every worker, and they stay: a worker started on demand (idle ones exited after a
 * minute) made the first parallel build of a round wait for its thread and module load (about
 * 0.3 s on the local stack), in the round's critical path. Catch-ups and generation builds run
 * on one more thread of their own, the generation thread (started on first use), which keeps the
 * graph it wrote last (and older ones, within `heldGraphBytes`) for the next catch-up of it on
 * this instance: that catch-up skips reading the graph file, about 150 ms of a 26 MB graph's
 * catch-up on the benchmarks' VM, and adds into memory the thread has touched (see the fresh
 * bench).
 */
export function createHnswRunner(options: HnswRunnerOptions = {}): HnswRunner {
  const maxThreads = options.maxThreads ?? availableParallelism();
  const catchUpThreads = options.catchUpThreads ?? availableParallelism();
  const heldBudget = options.heldGraphBytes ?? 0;
  const schedule = priorityScheduler(maxThreads);
  const builds = lazyPool(maxThreads);
  const generation = lazyPool(1);
  // Whether the generation thread may hold a graph (a task asked it to since the last release).
  let mayHold = false;
  let closed = false;
  const release = () => {
    if (!mayHold) return;
    mayHold = false;
    // Queued behind a task still running there, so it lets go of what that one holds too.
    void generation
      .get()
      .then((pool) => pool.run({}, { name: "releaseHeld" }))
      .catch((err: unknown) => {
        if (!closed) logger.error("HNSW worker failed", { error: err as Error });
      });
  };
  // Tasks submitted to the generation thread and not settled yet.
  let generationTasks = 0;
  /** Runs a task of the generation thread, which may hold the graph it writes. */
  const onGenerationThread = async <T>(
    task: { readonly holdAs?: string | undefined; readonly heldBudget?: number | undefined },
    name: string,
  ): Promise<T> => {
    if (task.holdAs !== undefined) mayHold = true;
    generationTasks++;
    try {
      return (await (await generation.get()).run(task, { name })) as T;
    } finally {
      generationTasks--;
    }
  };
  const run = <T>(task: unknown, name: string, priority = 0): Promise<T> => {
    release();
    return schedule(priority, async () => (await builds.get()).run(task, { name }) as Promise<T>);
  };
  return {
    measure: (task) => run<MeasureResult>(task, "buildAndMeasure", buildCost(task.build)),
    tune: (task) => run<TuneResult>(task, "buildAndTune", buildCost(task.build)),
    runoff: (task) => run<SearchResultSummary[]>(task, "runoff"),
    groundTruth: (task) => run<Int32Array>(task, "groundTruth"),
    build: (task) => {
      // A generation's build waits for no other task: when the generation thread is busy (another
      // index's catch-up or build, on a server that runs several), it runs in the pool, holding
      // nothing.
      if (task.holdAs !== undefined && generationTasks === 0) {
        return onGenerationThread(
          { ...task, heldBudget: task.heldBudget ?? heldBudget },
          "buildToFile",
        );
      }
      const { holdAs: _, heldBudget: __, ...pooled } = task;
      return run(pooled, "buildToFile", buildCost(task.build));
    },
    catchUp: (task) => {
      const threads: CatchUpTask = {
        ...task,
        threads: task.threads ?? catchUpThreads,
        heldBudget: task.heldBudget ?? heldBudget,
      };
      return onGenerationThread<CatchUpResult>(threads, "catchUpGraph");
    },
    async start() {
      // A task that does nothing there (no graph is held yet) waits for a thread with the module.
      await Promise.all(
        [builds, generation].map(async (pool) =>
          (await pool.get()).run({}, { name: "releaseHeld" }),
        ),
      );
    },
    async close() {
      closed = true;
      mayHold = false;
      await Promise.all([builds.close(), generation.close()]);
    },
  };
}

/**
 * A pool of `threads` workers, started on first use with every worker. Loaded on first use, so
 * functions that never build graphs never load piscina (their bundles do not ship it).
 */
function lazyPool(threads: number) {
  let pool: Promise<Piscina> | undefined;
  return {
    get(): Promise<Piscina> {
      pool ??= import("piscina").then(({ Piscina }) => {
        const created = new Piscina({
          filename: workerFile(),
          minThreads: threads,
          maxThreads: threads,
        });
        // A worker that dies fails its task (the caller sees the error); it must never take the
        // process down with an unhandled 'error' event.
        created.on("error", (err: unknown) =>
          logger.error("HNSW worker failed", { error: err as Error }),
        );
        return created;
      });
      return pool;
    },
    async close(): Promise<void> {
      const p = pool;
      pool = undefined;
      await (await p)?.destroy();
    },
  };
}
