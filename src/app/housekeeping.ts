import type { BackgroundTasks } from "./ports";
import type { VectorStore } from "./vector-store";

/** How often every index's compaction task (and orphan sweep) is started, by default. */
export const DEFAULT_SWEEP_MINUTES = 60;

/**
 * Housekeeping the scheduled handler does besides autotune: every `sweepMinutes` (default an
 * hour: the run whose time falls in the period's first `everyMinutes` minutes) it starts every
 * index's compaction task, which also sweeps orphaned objects (see `OrphanSweeper`), so objects
 * a crash left behind go even on an index no one writes to any more. `sweepMinutes` 0: every run.
 */
export class Housekeeping {
  constructor(
    private readonly deps: {
      readonly vectors: VectorStore;
      readonly tasks: BackgroundTasks;
      readonly sweepMinutes?: number;
    },
  ) {}

  /** Starts the compactions when `time` opens a sweep period; the indexes started. */
  async onSchedule(time: Date, everyMinutes: number): Promise<string[]> {
    const period = this.deps.sweepMinutes ?? DEFAULT_SWEEP_MINUTES;
    const minute = Math.floor(time.getTime() / 60_000);
    if (period > 0 && minute % period >= everyMinutes) return [];
    const indexes = await this.deps.vectors.listIndexes();
    await Promise.all(indexes.map((index) => this.deps.tasks.start("compact", index.name)));
    return indexes.map((index) => index.name);
  }
}
