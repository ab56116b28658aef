import type { BackgroundTasks } from "./ports";
import type { VectorStore } from "./vector-store";

/**
 * Housekeeping the scheduled handler does besides autotune: once an hour (the run whose time
 * falls in the hour's first `everyMinutes` minutes) it starts every index's compaction task,
 * which also sweeps orphaned objects (see `OrphanSweeper`), so objects a crash left behind go
 * even on an index no one writes to any more.
 */
export class Housekeeping {
  constructor(
    private readonly deps: { readonly vectors: VectorStore; readonly tasks: BackgroundTasks },
  ) {}

  /** Starts the hourly compactions when `time` is the hour's first run; the indexes started. */
  async onSchedule(time: Date, everyMinutes: number): Promise<string[]> {
    if (time.getUTCMinutes() >= everyMinutes) return [];
    const indexes = await this.deps.vectors.listIndexes();
    await Promise.all(indexes.map((index) => this.deps.tasks.start("compact", index.name)));
    return indexes.map((index) => index.name);
  }
}
