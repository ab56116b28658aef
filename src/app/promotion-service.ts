import { ConflictError } from "../domain/errors";
import type { HnswConfig } from "../domain/hnsw-config";
import type { IndexRecord } from "../domain/index-record";
import {
  applyPromote,
  applyRollback,
  configOr,
  entryFromTrial,
  type PromotionEntry,
  type PromotionRecord,
  promotedByJob,
} from "../domain/promotion";
import type { Trial } from "../domain/trial";
import type { PromotionRegistry } from "./ports";
import { DEFAULT_RETRY, type RetryPolicy, retryLostRaces } from "./retry";
import type { TrialHistory } from "./trial-history";
import type { VectorStore } from "./vector-store";

/**
 * The ports {@link PromotionService} is built from; `retry` defaults to {@link DEFAULT_RETRY} and
 * `now` to the wall clock.
 */
export interface PromotionServiceDeps {
  readonly registry: PromotionRegistry;
  readonly trials: TrialHistory;
  readonly vectors: VectorStore;
  readonly retry?: RetryPolicy;
  readonly now?: () => Date;
}

/** The registry after a change. */
export interface PromotionChange {
  /** The index. */
  readonly index_name: string;
  /** The promotion now current, or `null`. */
  readonly current: PromotionEntry | null;
  /** Entries in the history (at most 50). */
  readonly history_depth: number;
}

/**
 * The promotion registry's use cases. Every change re-reads the index's record and swaps it
 * whole with one conditional write on its version, retrying lost races with jittered backoff, so
 * concurrent promotes and rollbacks serialize and none is lost.
 */
export class PromotionService {
  private readonly deps: PromotionServiceDeps;
  private readonly now: () => Date;

  constructor(deps: PromotionServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Promotes a journal trial of the index; the previous current goes onto the history. With a
   * `jobId` (autotune's Decide), a job that already promoted changes nothing, so a retry never
   * promotes twice: the check and the write are one conditional swap of the record.
   */
  async promote(
    indexName: string,
    trialId: string,
    promotedBy: string,
    note: string | null,
  ): Promise<PromotionChange> {
    return this.promoteTrial(await this.deps.trials.get(indexName, trialId), promotedBy, note);
  }

  /** {@link promote} of a trial already read from the journal (autotune's Decide has it). */
  async promoteTrial(
    trial: Trial,
    promotedBy: string,
    note: string | null,
    jobId?: string,
  ): Promise<PromotionChange> {
    const indexName = trial.index_name;
    const index = await this.deps.vectors.getIndex(indexName);
    if (trial.index_uid !== index.uid) {
      throw new ConflictError(
        "trial_from_earlier_index",
        `trial "${trial.trial_id}" measured an earlier index "${indexName}", which was deleted and created again; run a trial on the current index`,
      );
    }
    const entry = entryFromTrial(trial, promotedBy, note, this.now().toISOString(), jobId);
    return this.change(
      index,
      `promote trial "${trial.trial_id}" on index "${indexName}"`,
      (record) =>
        jobId && promotedByJob(record, jobId) ? null : applyPromote(record, indexName, entry),
    );
  }

  /** Pops the newest history entry back onto current (clearing current when there is none). */
  async rollback(indexName: string): Promise<PromotionChange> {
    const index = await this.deps.vectors.getIndex(indexName);
    return this.change(index, `roll back index "${indexName}"`, (record) =>
      applyRollback(record, indexName),
    );
  }

  /** The registry record of an index (an empty one if it never had a promotion). */
  async get(indexName: string): Promise<PromotionRecord> {
    const index = await this.deps.vectors.getIndex(indexName);
    const { record } = await this.read(index);
    return record ?? { index_name: indexName, current: null, history: [], version: 0 };
  }

  /** The read side used at build time: the promoted config if set, else `fallback`. */
  async configOr(index: IndexRecord, fallback: HnswConfig): Promise<ReturnType<typeof configOr>> {
    return configOr((await this.read(index)).record, fallback);
  }

  /** Removes an index's record (the index is being deleted). */
  async forget(indexName: string): Promise<void> {
    await this.deps.registry.remove(indexName);
  }

  /**
   * The index's record, fenced by incarnation: one left by an earlier index of the same name
   * reads as none (`record` undefined) but keeps its `version`, so the next write replaces it.
   */
  private async read(
    index: IndexRecord,
  ): Promise<{ record: PromotionRecord | undefined; version: number }> {
    const stored = await this.deps.registry.get(index.name);
    const ours = stored && (stored.index_uid ?? index.uid) === index.uid ? stored : undefined;
    return { record: ours, version: stored?.version ?? 0 };
  }

  private async change(
    index: IndexRecord,
    what: string,
    /** The record after the change, or `null` when there is nothing to change. */
    apply: (record: PromotionRecord | undefined) => PromotionRecord | null,
  ): Promise<PromotionChange> {
    const indexName = index.name;
    return retryLostRaces(
      what,
      async () => {
        const { record, version } = await this.read(index);
        const applied = apply(record);
        const next = applied && { ...applied, index_uid: index.uid, version: version + 1 };
        if (next === null) {
          return {
            index_name: indexName,
            current: record?.current ?? null,
            history_depth: record?.history.length ?? 0,
          };
        }
        const written = await this.deps.registry.put(next, version);
        return written === true
          ? { index_name: indexName, current: next.current, history_depth: next.history.length }
          : written;
      },
      this.deps.retry ?? DEFAULT_RETRY,
    );
  }
}
