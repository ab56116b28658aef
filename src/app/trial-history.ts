import { NotFoundError } from "../domain/errors";
import { bestTrial, type Trial } from "../domain/trial";
import type { Page, TrialJournal } from "./ports";
import type { VectorStore } from "./vector-store";

/**
 * Reads the trial journal of an index's current incarnation: a page, one trial, the best. A
 * trial journaled by an earlier index of the same name (deleted and created again) is never
 * the current index's.
 */
export class TrialHistory {
  constructor(
    private readonly deps: { readonly journal: TrialJournal; readonly vectors: VectorStore },
  ) {}

  /**
   * A page of the index's trials, newest first. Trials of an earlier index of the same name
   * (deleted and created again) are not the current index's: they are left out.
   */
  async list(indexName: string, limit: number, cursor?: string): Promise<Page<Trial>> {
    const index = await this.deps.vectors.getIndex(indexName);
    const page = await this.deps.journal.list(indexName, limit, cursor);
    return { ...page, items: page.items.filter((t) => t.index_uid === index.uid) };
  }

  /** One trial of the current index; 404 `trial_not_found` when it has none of that id. */
  async get(indexName: string, trialId: string): Promise<Trial> {
    const index = await this.deps.vectors.getIndex(indexName);
    const trial = await this.deps.journal.get(indexName, trialId);
    if (!trial) {
      throw new NotFoundError("trial_not_found", `index "${indexName}" has no trial "${trialId}"`);
    }
    if (trial.index_uid !== index.uid) {
      throw new NotFoundError(
        "trial_not_found",
        `trial "${trialId}" belongs to an earlier index "${indexName}", which was deleted and created again`,
      );
    }
    return trial;
  }

  /**
   * Max recall@k, then min p50, among the current index's trials with recall@k >= minRecall, and,
   * when `harness` is given, measured on that harness only.
   */
  async best(indexName: string, minRecall: number, harness?: string): Promise<Trial> {
    const index = await this.deps.vectors.getIndex(indexName);
    const trials: Trial[] = [];
    for await (const t of this.deps.journal.all(indexName)) {
      if (t.index_uid === index.uid && (harness === undefined || t.harness === harness)) {
        trials.push(t);
      }
    }
    const best = bestTrial(trials, minRecall);
    if (!best) {
      const on = harness === undefined ? "" : ` measured on harness "${harness}"`;
      throw new NotFoundError(
        "no_trial_meets_gate",
        `none of the ${trials.length} trials of index "${indexName}"${on} reaches recall_at_k >= ${minRecall}`,
      );
    }
    return best;
  }
}
