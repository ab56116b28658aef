import type { HnswConfig } from "../domain/hnsw-config";
import type { TaskRun } from "../domain/task-run";
import type { Trial } from "../domain/trial";
import type { TaskRuns } from "./task-runs";
import type { TrialService } from "./trial-service";

/** What a manual trial asks for (the body of POST /vectors/hnsw/trial, index aside). */
export interface TrialInput {
  /** The harness to measure against. */
  readonly harness: string;
  /** The config to build and measure. */
  readonly config: HnswConfig;
  /** The caller's note. */
  readonly note: string | null;
}

/** A manual trial's run: its result is the journaled trial. */
export type TrialRun = TaskRun<TrialInput, Trial>;

/**
 * Manual trials as tasks of their own ({@link TaskRuns}, kind `trial`): a trial builds a graph
 * over the whole index, so the `trial` task builds, measures and journals it; the request
 * checks what it can without building, records the run and may wait for it.
 */
export class TrialRuns {
  constructor(private readonly deps: { readonly runs: TaskRuns; readonly trials: TrialService }) {}

  /**
   * Runs a trial of `input.config` on `indexName` and waits for it up to `waitMs`: ended, or
   * RUNNING (its task goes on; poll it). Refused at once (nothing recorded) with the typed error
   * the trial would end with when the index or harness is unknown, the harness is over another
   * index, or its ground truth is stale.
   */
  async submit(indexName: string, input: TrialInput, waitMs: number): Promise<TrialRun> {
    await this.deps.trials.check({ indexName, harness: input.harness });
    return this.deps.runs.submit("trial", indexName, input, waitMs);
  }

  /** The trial run `runId` of `indexName`; one no task can finish any more is FAILED. */
  get(indexName: string, runId: string): Promise<TrialRun> {
    return this.deps.runs.get("trial", indexName, runId);
  }

  /** The `trial` task: builds, measures and journals a RUNNING run's trial, records the end. */
  run(indexName: string, runId: string): Promise<TrialRun | null> {
    return this.deps.runs.run<TrialInput, Trial>("trial", indexName, runId, (input) =>
      this.deps.trials.run({ indexName, ...input }),
    );
  }
}
