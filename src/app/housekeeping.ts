import type { IncarnationPurger } from "./incarnation-purger";
import type { VectorStore } from "./vector-store";
import type { BackgroundTasks } from "./work-ports";

/** How often every index's compaction task (and orphan sweep) is started, by default. */
export const DEFAULT_SWEEP_MINUTES = 60;

/** Catalog items read at once while walking every index, by default. */
const LIST_PAGE = 100;

/**
 * Housekeeping the scheduled handler does besides autotune: every `sweepMinutes` (default an
 * hour: the run whose time falls in the period's first `everyMinutes` minutes) it starts every
 * index's compaction task, which also sweeps orphaned objects (see `OrphanSweeper`), so objects
 * a crash left behind go even on an index no one writes to any more; and the purge task of every
 * index name with objects of a dead incarnation (see `IncarnationPurger`), so a deleted index's
 * objects go even when its deletion crashed before starting its own. `sweepMinutes` 0: every run.
 */
export class Housekeeping {
  constructor(
    private readonly deps: {
      readonly vectors: VectorStore;
      readonly tasks: BackgroundTasks;
      readonly purger: IncarnationPurger;
      readonly sweepMinutes?: number;
      /** Catalog items read at once while walking every index (default 100). */
      readonly listPage?: number;
    },
  ) {}

  /**
   * Starts the compactions and purges when `time` opens a sweep period: the indexes whose
   * compaction, and the names whose purge, it started.
   */
  async onSchedule(
    time: Date,
    everyMinutes: number,
  ): Promise<{ compacting: string[]; purging: string[] }> {
    const period = this.deps.sweepMinutes ?? DEFAULT_SWEEP_MINUTES;
    const minute = Math.floor(time.getTime() / 60_000);
    if (period > 0 && minute % period >= everyMinutes) return { compacting: [], purging: [] };
    const { tasks, vectors, purger } = this.deps;
    const compacting: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await vectors.listIndexes(this.deps.listPage ?? LIST_PAGE, cursor);
      compacting.push(...page.items.map((index) => index.name));
      cursor = page.next;
    } while (cursor);
    const purging = await purger.withDeadIncarnations();
    await Promise.all([
      ...compacting.map((name) => tasks.start("compact", name)),
      ...purging.map((name) => tasks.start("purge", name)),
    ]);
    return { compacting, purging };
  }
}
