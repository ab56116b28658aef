import { logger } from "../logger";
import type { IncarnationPurger } from "./incarnation-purger";
import { DEFAULT_ORPHAN_GRACE_MS } from "./orphan-sweeper";
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
 * objects go even when its deletion crashed before starting its own; and it sweeps the objects of
 * harnesses that no description names (see `HarnessStore.sweepOrphans`), older than
 * `orphanGraceMs` (default an hour). `sweepMinutes` 0: every run.
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
      /** Sweeps harnesses' unnamed objects last written before a time (epoch ms). */
      readonly harnesses?: { sweepOrphans(cutoff: number): Promise<number> };
      /** How old an unnamed harness object must be to go (default one hour). */
      readonly orphanGraceMs?: number;
    },
  ) {}

  /**
   * Starts the compactions and purges, and sweeps harnesses' orphans, when `time` opens a sweep
   * period: the indexes whose compaction, and the names whose purge, it started, and how many
   * harness objects it removed.
   */
  async onSchedule(
    time: Date,
    everyMinutes: number,
  ): Promise<{ compacting: string[]; purging: string[]; harnessObjects: number }> {
    const period = this.deps.sweepMinutes ?? DEFAULT_SWEEP_MINUTES;
    const minute = Math.floor(time.getTime() / 60_000);
    if (period > 0 && minute % period >= everyMinutes) {
      return { compacting: [], purging: [], harnessObjects: 0 };
    }
    const { tasks, vectors, purger } = this.deps;
    const compacting: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await vectors.listIndexes(this.deps.listPage ?? LIST_PAGE, cursor);
      compacting.push(...page.items.map((index) => index.name));
      cursor = page.next;
    } while (cursor);
    const purging = await purger.withDeadIncarnations();
    const grace = this.deps.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS;
    // A failed harness sweep is retried by the next period's; it stops nothing else.
    const sweep = (
      this.deps.harnesses?.sweepOrphans(time.getTime() - grace) ?? Promise.resolve(0)
    ).catch((err: unknown) => {
      logger.warn("could not sweep orphaned harness objects", { error: err as Error });
      return 0;
    });
    const [harnessObjects] = await Promise.all([
      sweep,
      ...compacting.map((name) => tasks.start("compact", name)),
      ...purging.map((name) => tasks.start("purge", name)),
    ]);
    if (harnessObjects > 0)
      logger.info("swept orphaned harness objects", { count: harnessObjects });
    return { compacting, purging, harnessObjects };
  }
}
