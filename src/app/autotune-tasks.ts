import { type BuildGroup, DEFAULT_GRID, planGroups } from "../domain/autotune";
import { ConflictError } from "../domain/errors";
import { isStale } from "../domain/harness";
import { DEFAULT_SEED } from "../domain/hnsw-config";
import type { Trial } from "../domain/trial";
import { compareOutcomes } from "../domain/tuner";
import { failpoint } from "../failpoints";
import {
  type GroupOutcome,
  nextTargetRound,
  type RoundState,
  roundGroups,
  tunerOutcomes,
  type WorkflowState,
} from "./autotune-state";
import type { HarnessService } from "./harness-service";
import type { JobLedger } from "./job-ledger";
import type { Finalist, TrialService } from "./trial-service";
import type { VectorStore } from "./vector-store";
import type { AutotuneInput } from "./work-ports";

/** Passes over the harness when finalists are measured side by side. */
export const RUNOFF_PASSES = 5;
/**
 * Finalists are builds whose p50 at the target is within this share of the best one's: wide,
 * because each build was timed on its own, under whatever else ran then.
 */
export const RUNOFF_MARGIN = 0.5;
/** Most finalists measured side by side. */
export const RUNOFF_MAX = 4;

/** The ports and services the autotune workflow's tasks are built from (see `createServices`). */
export interface AutotuneTasksDeps {
  readonly ledger: JobLedger;
  readonly vectors: VectorStore;
  readonly harnesses: HarnessService;
  readonly trials: TrialService;
  /** Which builds are finalists: within `margin` of the fastest, at most `max` (tests widen it). */
  readonly runoff?: { readonly margin: number; readonly max: number };
}

/**
 * The autotune workflow's measuring tasks: Plan, one build group (a Map iteration), Tune (the
 * next round, or stop) and Runoff (finalists measured side by side). Decide and Abandon, which
 * end the job, are in {@link AutotuneDecision}. Each is a Lambda on AWS and a local handler in
 * the local stack.
 */
export class AutotuneTasks {
  constructor(private readonly deps: AutotuneTasksDeps) {}

  /** Plan: confirm the lease, refresh a stale harness if asked, plan the first round. */
  async plan(input: AutotuneInput): Promise<RoundState> {
    const { ledger } = this.deps;
    const lease = await ledger.leases.acquire(
      input.index_name,
      input.job_id,
      ledger.nowMs(),
      ledger.leaseMs,
    );
    if (!lease.acquired) {
      throw new ConflictError(
        "autotune_running",
        `job ${input.job_id} lost its lease on "${input.index_name}" to ${lease.holder}`,
      );
    }
    const record = await this.deps.vectors.getIndex(input.index_name);
    const harness = await this.deps.harnesses.describe(input.harness);
    if (isStale(harness, record)) {
      if (!input.refresh_harness) {
        throw new ConflictError(
          "stale_harness",
          `harness "${input.harness}" predates index "${input.index_name}" data_version ${record.dataVersion}; refresh it`,
        );
      }
      await this.deps.harnesses.refresh(input.harness);
    }
    const groups =
      input.tuning.strategy === "max_recall"
        ? planGroups(input.tuning.grid ?? DEFAULT_GRID)
        : roundGroups(input, nextTargetRound(input, []));
    await ledger.jobs.progress(input.job_id, {
      round: 1,
      builds_planned: groups.length,
      builds_done: 0,
    });
    await failpoint("autotune.planned");
    return {
      number: 1,
      groups,
      max_concurrency: input.max_concurrency,
      done: groups.length === 0,
      stop_reason: null,
    };
  }

  /** One Map iteration: build one graph and measure it (grid ef_searches, or the target). */
  async runGroup(input: {
    job_id: string;
    index_name: string;
    harness: string;
    group: BuildGroup;
  }): Promise<GroupOutcome> {
    // Each group renews the job's lease, so a long Map never outlives it.
    await this.deps.ledger.renewLease(input.index_name, input.job_id);
    const { group } = input;
    const common = {
      indexName: input.index_name,
      harness: input.harness,
      build: { m: group.m, ef_construction: group.ef_construction, seed: group.seed },
      source: "autotune" as const,
      jobId: input.job_id,
      // Writes may land while a job runs: measure each build against truth for its own data.
      whenStale: "recompute" as const,
    };
    let trials: Trial[];
    let found: Trial | null = null;
    if (group.target) {
      ({ trials, found } = await this.deps.trials.runTargetBuild({
        ...common,
        target: group.target.recall,
        maxEfSearch: group.target.max_ef_search,
      }));
    } else {
      trials = await this.deps.trials.runBuildGroup({
        ...common,
        efSearches: group.ef_searches ?? [],
      });
    }
    await this.deps.ledger.jobs.progress(input.job_id, { addBuildsDone: 1 });
    await failpoint("autotune.group-built");
    const first = trials[0] as Trial;
    return {
      group,
      build: {
        snapshot_key: first.snapshot_key,
        memory_bytes: first.metrics.memory_bytes,
        build_time_ms: first.metrics.build_time_ms,
        found_ef: found?.config.ef_search ?? null,
        points: trials.map((t) => ({
          trial_id: t.trial_id,
          ef_search: t.config.ef_search,
          recall: t.metrics.recall_at_k,
          p50_us: t.metrics.search_latency_p50_us,
        })),
      },
    };
  }

  /** Tune: add the round's outcomes to the history; plan the next round, or stop and say why. */
  async tune(state: WorkflowState): Promise<WorkflowState> {
    const round = state.round as RoundState;
    const results = round.results ?? [];
    const history = [...(state.history ?? []), ...results];
    const { round: _done, ...rest } = state;
    const stop = (reason: string): WorkflowState => ({
      ...rest,
      history,
      round: { ...round, groups: [], results: [], done: true, stop_reason: reason },
    });
    if (state.tuning.strategy === "max_recall") return stop("measured the grid");
    if (results.length > 0 && results.every((r) => "failed" in r)) {
      return stop(`every build of round ${round.number} failed`);
    }
    const next = nextTargetRound(state, history);
    if (next.kind === "stop") return stop(next.reason);
    const groups = roundGroups(state, next);
    await this.deps.ledger.jobs.progress(state.job_id, {
      round: round.number + 1,
      builds_planned: history.length + groups.length,
      builds_done: history.length,
    });
    return {
      ...rest,
      history,
      round: {
        number: round.number + 1,
        groups,
        max_concurrency: state.max_concurrency,
        done: false,
        stop_reason: null,
      },
    };
  }

  /**
   * Runoff (`target_recall`): the builds that reached the target within {@link RUNOFF_MARGIN}
   * of the fastest are measured again side by side in one process, with interleaved passes, so
   * the latency that picks the winner never compares measurements taken under different load.
   */
  async runoff(state: WorkflowState): Promise<{ trial_ids: string[] }> {
    const outcomes = tunerOutcomes(state.history ?? []).filter((o) => o.best !== null);
    const ranked = outcomes.sort(compareOutcomes);
    const fastest = ranked[0]?.best?.p50_us;
    if (fastest === undefined) return { trial_ids: [] };
    const { margin, max } = this.deps.runoff ?? { margin: RUNOFF_MARGIN, max: RUNOFF_MAX };
    const finalists = ranked
      .filter((o) => (o.best?.p50_us as number) <= fastest * (1 + margin))
      .slice(0, max);
    if (finalists.length < 2) return { trial_ids: [] };
    await this.deps.ledger.renewLease(state.index_name, state.job_id);
    const trials = await this.deps.trials.runRunoff({
      indexName: state.index_name,
      harness: state.harness,
      source: "autotune",
      jobId: state.job_id,
      whenStale: "recompute",
      note: `runoff: ${finalists.length} finalists measured side by side, ${RUNOFF_PASSES} interleaved passes`,
      passes: RUNOFF_PASSES,
      finalists: finalists.map(
        (o): Finalist => ({
          snapshot_key: o.snapshot_key,
          config: {
            m: o.m,
            ef_construction: o.ef_construction,
            seed: DEFAULT_SEED,
            ef_search: o.best?.ef_search as number,
          },
          build_time_ms: o.build_time_ms,
          memory_bytes: o.memory_bytes,
        }),
      ),
    });
    return { trial_ids: trials.map((t) => t.trial_id) };
  }
}
