import type { BackgroundTaskName } from "../../infra/background-tasks";
import { indexGone } from "../domain/errors";
import type { IndexRecord } from "../domain/index-record";
import type { Segment } from "../domain/segment";
import { failpoint } from "../failpoints";
import { logger } from "../logger";
import type { LiveView } from "./live-state";
import { type IndexCatalog, LOST_RACE } from "./ports";
import { type RetryPolicy, retryLostRaces } from "./retry";
import { committedAt, type SegmentStore } from "./segment-store";
import { isTransient } from "./transient";
import type { BackgroundTasks } from "./work-ports";

/** Where background tasks start (off the request), and which ones a write leaves due. */
export interface BackgroundStarts {
  /** Where background tasks start. */
  readonly tasks: BackgroundTasks;
  /** The tasks a write that left the index at `record` should start (compaction, catch-up). */
  due(record: IndexRecord): readonly BackgroundTaskName[];
}

/** The ports {@link SegmentCommits} is built from (see `createServices`). */
export interface SegmentCommitsDeps {
  readonly catalog: IndexCatalog;
  readonly segments: SegmentStore;
  /**
   * What is live in a record's version, for a writer of `ids` (read again from a fresher record if
   * need be).
   */
  readonly liveView: (record: IndexRecord, ids: readonly string[]) => Promise<LiveView>;
  readonly background: BackgroundStarts;
  readonly retry: RetryPolicy;
  readonly now: () => Date;
}

/**
 * The write path of every upsert, delete and imported chunk: a segment written to storage, then
 * appended to the index's catalog record with a conditional write. Writers in this process take
 * turns per index, each starting from the newest record this process committed.
 */
export class SegmentCommits {
  /** Per index: the chain of this process's catalog appends, and the newest record they made. */
  private readonly turns = new Map<string, Promise<unknown>>();
  private readonly committed = new Map<string, IndexRecord>();

  constructor(private readonly deps: SegmentCommitsDeps) {}

  /**
   * Writes `segment` to storage, then appends it to the catalog with a conditional write (same
   * incarnation, same data_version as read), re-reading and retrying on lost races. `countAfter`
   * derives the new live count from what is live before the write (and may throw to refuse it).
   * On any failure the segment's objects are removed, so nothing half-written stays behind.
   * A write that leaves a compaction or a catch-up due starts it, off the request.
   */
  async commit(
    record: IndexRecord,
    segment: Segment,
    countAfter: (live: LiveView) => number,
  ): Promise<IndexRecord> {
    const ids = [...segment.ids, ...segment.deleted];
    // Refuse before writing anything when the first check already fails.
    countAfter(await this.deps.liveView(record, ids));
    const ref = await this.deps.segments.write(record, segment);
    await failpoint("upsert.segment-written");
    let updated: IndexRecord;
    try {
      // Writers in this process take turns (each still conditional, against other processes):
      // racing each other would only burn attempts. A turn starts from the newest record seen.
      updated = await this.inTurn(record.uid, () =>
        retryLostRaces(
          `write to index "${record.name}"`,
          async (attempt) => {
            const seen = this.committed.get(record.uid);
            const current =
              attempt > 0
                ? await this.deps.catalog.get(record.name)
                : seen && seen.dataVersion > record.dataVersion
                  ? seen
                  : record;
            if (!current || current.uid !== record.uid) {
              throw indexGone(record.name, current !== undefined);
            }
            // An earlier attempt that seemed to fail (a timeout the SDK retried) may have landed.
            if (attempt > 0 && current.segments.some((s) => s.id === ref.id)) return current;
            const count = countAfter(await this.deps.liveView(current, ids));
            const committed = committedAt(ref, current.dataVersion + 1);
            const appended = await this.deps.catalog.appendSegment(
              current,
              committed,
              count,
              this.deps.now().toISOString(),
            );
            if (appended !== LOST_RACE) this.committed.set(record.uid, appended);
            return appended;
          },
          this.deps.retry,
        ),
      );
    } catch (err) {
      if (!isTransient(err)) {
        await this.deps.segments.discard(record, ref).catch(() => undefined);
        throw err;
      }
      // Ambiguous: the catalog write may have landed before the fault. If it did, the write is
      // done; if not, its segment stays for the orphan sweep (deleting it now could race a late
      // landing and leave the catalog naming a missing segment).
      const landed = await this.deps.catalog.get(record.name).catch(() => undefined);
      if (!landed?.segments.some((s) => s.id === ref.id)) throw err;
      updated = landed;
    }
    await failpoint("upsert.committed");
    for (const task of this.deps.background.due(updated)) {
      await this.deps.background.tasks.start(task, updated.name).catch((err: Error) =>
        logger.warn(`could not start the ${task} task; a later write will`, {
          index_name: updated.name,
          error: err,
        }),
      );
    }
    return updated;
  }

  /** Runs `turn` after every earlier turn of the same index in this process has settled. */
  private inTurn<T>(key: string, turn: () => Promise<T>): Promise<T> {
    const previous = this.turns.get(key) ?? Promise.resolve();
    const result = previous.then(turn, turn);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.turns.set(key, settled);
    void settled.then(() => {
      if (this.turns.get(key) === settled) this.turns.delete(key);
    });
    return result;
  }
}
