import {
  type CompactionPolicy,
  DEFAULT_COMPACTION,
  foldable,
  planMerge,
  purgeDue,
} from "../domain/compaction";
import { droppableDeletions } from "../domain/id-directory";
import type { IndexRecord } from "../domain/index-record";
import { mergeSegments, type VersionedSegment } from "../domain/segment";
import { failpoint } from "../failpoints";
import { logger } from "../logger";
import { purgeDeadRows } from "./dead-rows";
import type { DirectoryBackfill } from "./directory-backfill";
import type { IdDirectoryBuilder } from "./id-directory-builder";
import type { OrphanSweeper } from "./orphan-sweeper";
import { CatalogItemTooLargeError, type IndexCatalog, LOST_RACE } from "./ports";
import type { SegmentStore } from "./segment-store";
import type { LeaseStore } from "./work-ports";

/** Steps of one run that may lose their races in a row before the run gives up. */
const LOST_STEPS_LIMIT = 20;

/** Swap attempts of one merged segment while writes keep appending. */
const SWAP_ATTEMPTS = 50;

/** How long one compaction run may hold an index (a crashed one frees it after this). */
export const TASK_LEASE_MS = 15 * 60_000;

/** The lease key of an index's compaction (index names cannot hold `#`). */
export function compactionLeaseKey(indexName: string): string {
  return `${indexName}#compaction`;
}

/** The ports {@link Compactor} is built from; `policy` defaults to {@link DEFAULT_COMPACTION}. */
export interface CompactorDeps {
  readonly catalog: IndexCatalog;
  readonly segments: SegmentStore;
  readonly leases: LeaseStore;
  readonly policy?: CompactionPolicy;
  /** Sweeps orphaned objects at the end of every run (see {@link OrphanSweeper}). */
  readonly sweeper?: OrphanSweeper;
  /** Builds the index's id directory when due, before the sweep (see {@link IdDirectoryBuilder}). */
  readonly idDirectories?: IdDirectoryBuilder;
  /** Then writes the directories older large segments lack (see {@link DirectoryBackfill}). */
  readonly backfill?: DirectoryBackfill;
  /** How long a run holds the index's compaction lease (default {@link TASK_LEASE_MS}). */
  readonly leaseMs?: number;
  readonly now?: () => number;
}

/** What one compaction run did. */
export interface CompactionReport {
  /** Merges of adjacent segments done. */
  readonly merges: number;
  /** Full segments rewritten without their dead rows. */
  readonly purges: number;
  /** Folds: full segments moved out of the catalog item into a list object. */
  readonly folds: number;
  /** Unfolds (folds off): every listed segment moved back into the catalog item. */
  readonly unfolds?: number;
  /** Work is left (the run ran out of time, or lost its lease): run again. */
  readonly more: boolean;
  /** Orphaned objects swept. */
  readonly swept?: number;
  /** Whether it built a new id directory. */
  readonly idDirectory?: boolean;
  /** Segment directories written for segments from before directories. */
  readonly directories?: number;
}

/**
 * Compaction of one index, as a task of its own (never in a request): at most one per index at a
 * time (a lease), merging size-tiered runs of segments and purging dead rows from full segments
 * (see {@link CompactionPolicy}), each step swapped into the catalog with one conditional write
 * that any concurrent write or compaction makes lose (then it re-reads and plans again). Data and
 * `data_version` never change: readers holding an older segment list keep working (a segment
 * replaced meanwhile makes them re-read the catalog, up to 3 times).
 */
export class Compactor {
  private readonly policy: CompactionPolicy;
  private readonly now: () => number;

  constructor(private readonly deps: CompactorDeps) {
    this.policy = deps.policy ?? DEFAULT_COMPACTION;
    this.now = deps.now ?? Date.now;
  }

  /**
   * True when a write should start a compaction: a merge, a fold or (folds off) an unfold is due
   * (cheap: the catalog record only). Merges come every few writes, and each run also purges
   * when that is due.
   */
  due(record: IndexRecord): boolean {
    return (
      planMerge(record.segments, this.policy) !== null ||
      this.foldable(record) > 0 ||
      this.unfoldDue(record)
    );
  }

  /** Compacts until nothing is due or `budgetMs` passed. Returns at once if another one runs. */
  async run(indexName: string, budgetMs = 10 * 60_000): Promise<CompactionReport> {
    const started = this.now();
    const owner = `compactor-${started}-${Math.random().toString(36).slice(2)}`;
    const key = compactionLeaseKey(indexName);
    const lease = await this.deps.leases.acquire(
      key,
      owner,
      started,
      this.deps.leaseMs ?? TASK_LEASE_MS,
    );
    if (!lease.acquired) return { merges: 0, purges: 0, folds: 0, more: false };
    const done = { merges: 0, purges: 0, folds: 0, unfolds: 0 };
    const state = { unfoldable: true };
    let lostInARow = 0;
    try {
      for (;;) {
        if (this.now() - started >= budgetMs) return reported(indexName, { ...done, more: true });
        const record = await this.deps.catalog.get(indexName);
        if (!record) break;
        const step = await this.step(record, state);
        if (step === "idle") break;
        if (step === "lost") {
          // Only a bug or a hand edit makes every step lose: stop rather than spin to the budget.
          if (++lostInARow >= LOST_STEPS_LIMIT) {
            logger.warn("compaction stopped: its steps keep losing their races", {
              index: indexName,
              lost: lostInARow,
            });
            return reported(indexName, { ...done, more: true });
          }
          continue;
        }
        lostInARow = 0;
        done[step]++;
      }
      const idDirectory = (await this.deps.idDirectories?.run(indexName)) != null;
      const swept = this.deps.sweeper ? await this.deps.sweeper.sweep(indexName) : 0;
      const hasTime = () => this.now() - started < budgetMs;
      const directories = this.deps.backfill ? await this.deps.backfill.run(indexName, hasTime) : 0;
      return reported(indexName, { ...done, more: false, swept, idDirectory, directories });
    } finally {
      await this.deps.leases.release(key, owner);
    }
  }

  /**
   * The next step of a run on `record`: an unfold (folds off), else a merge, a fold or a purge,
   * whichever is due first. What it did, `lost` when its swap lost a race, `idle` when nothing is
   * due. An index too large to unfold clears `state.unfoldable` (and logs it).
   */
  private async step(
    record: IndexRecord,
    state: { unfoldable: boolean },
  ): Promise<"merges" | "purges" | "folds" | "unfolds" | "lost" | "idle"> {
    if (state.unfoldable && this.unfoldDue(record)) {
      try {
        return (await this.deps.catalog.unfold(record)) === LOST_RACE ? "lost" : "unfolds";
      } catch (err) {
        if (!(err instanceof CatalogItemTooLargeError)) throw err;
        logger.warn("cannot unfold the index's segment list", { index: record.name, err });
        state.unfoldable = false;
      }
    }
    const run = planMerge(record.segments, this.policy);
    if (run) return (await this.merge(record, run.start, run.end)) ? "merges" : "lost";
    const fold = this.foldable(record);
    if (fold > 0) {
      return (await this.deps.catalog.fold(record, fold)) === LOST_RACE ? "lost" : "folds";
    }
    if (!purgeDue(record.segments, record.count, this.policy)) return "idle";
    const purged = await this.purge(record);
    // "nothing": every full segment is clean, nothing to gain.
    return purged === "done" ? "purges" : purged === "lost" ? "lost" : "idle";
  }

  /**
   * Folds are off and `record` lists segments outside its catalog item: move them back, unless
   * the item was found unable to hold them at this list and as many segments or more.
   */
  private unfoldDue(record: IndexRecord): boolean {
    const list = record.segmentList;
    if (this.policy.folds || !list) return false;
    return list.unfoldRefusedAt === undefined || record.segments.length < list.unfoldRefusedAt;
  }

  /** Segments a fold should move now (see {@link foldable}). */
  private foldable(record: IndexRecord): number {
    return foldable(record.segments, record.segmentList?.count ?? 0, this.policy);
  }

  /** Merges `[start, end)` into one segment; `false` when the swap lost a race. */
  private async merge(record: IndexRecord, start: number, end: number): Promise<boolean> {
    const inputs = record.segments.slice(start, end);
    const parts = await Promise.all(inputs.map((ref) => this.deps.segments.read(record, ref)));
    // Deletions shadow nothing older than the run's first segment when it is the oldest; those
    // no servable graph and no id directory predates are needed by no one.
    const merged = mergeSegments(parts, record.dimension, droppableDeletions(record, start));
    return this.replace(record, start, end, merged);
  }

  /** Rewrites the full segment with the most dead rows without them (see {@link purgeDeadRows}). */
  private async purge(record: IndexRecord): Promise<"done" | "lost" | "nothing"> {
    const purged = await purgeDeadRows(record, this.deps.segments, this.policy);
    if (!purged) return "nothing";
    const { position, segment } = purged;
    return (await this.replace(record, position, position + 1, segment)) ? "done" : "lost";
  }

  /**
   * Writes `segment` and swaps it in for `[start, end)`; the replaced objects go after the swap.
   * Writes that append meanwhile do not make the swap lose; a fold does (the list moved): the
   * swap is retried on a fresh record as long as the run itself is unchanged.
   */
  private async replace(
    record: IndexRecord,
    start: number,
    end: number,
    segment: VersionedSegment,
  ): Promise<boolean> {
    const empty = segment.ids.length === 0 && segment.deleted.length === 0;
    const ref = empty ? null : await this.deps.segments.write(record, segment);
    await failpoint("compaction.merged-written");
    const run = record.segments.slice(start, end).map((r) => r.id);
    let current = record;
    for (let attempt = 0; ; attempt++) {
      const swapped = await this.deps.catalog.replaceRun(current, start, end, ref);
      if (swapped !== LOST_RACE) break;
      const fresh = await this.deps.catalog.get(record.name);
      const intact =
        fresh?.uid === record.uid && run.every((id, i) => fresh.segments[start + i]?.id === id);
      if (!fresh || !intact || attempt >= SWAP_ATTEMPTS) {
        if (ref) await this.deps.segments.discard(record, ref);
        return false;
      }
      current = fresh;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * 2 ** Math.min(attempt, 5)));
    }
    await failpoint("compaction.swapped");
    const replaced = record.segments.slice(start, end);
    await Promise.all(replaced.map((r) => this.deps.segments.discard(record, r))).catch((err) =>
      logger.warn("could not delete replaced segments; they are orphans now", {
        index_name: record.name,
        error: err as Error,
      }),
    );
    return true;
  }
}

/** Logs what a compaction run of `index` did (one line a run), and returns it. */
function reported(index: string, report: CompactionReport): CompactionReport {
  logger.info("compaction finished", { index, ...report });
  return report;
}
