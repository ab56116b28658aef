import {
  type BuildGroup,
  decide,
  decideTarget,
  type FailedGroup,
  longestFirst,
} from "../domain/autotune";
import { DEFAULT_SEED } from "../domain/hnsw-config";
import type { Trial } from "../domain/trial";
import { type BuildOutcome, type NextRound, nextRound, type TargetSpace } from "../domain/tuner";
import type { AutotuneInput } from "./work-ports";

// The state the autotune workflow carries between its tasks (JSON through Step Functions), and
// what the tasks read from it: the tuner's view of the builds so far, the next round's groups,
// the failed groups and the decision over the trials. No I/O here.

/** A Step Functions error output (a Lambda error's Cause is JSON). */
export interface StepError {
  /** The error's name. */
  readonly Error?: string;
  /** Its cause (a Lambda error's is JSON with its message). */
  readonly Cause?: string;
}

/** What one measured point of a build carries through the workflow (its trial is journaled). */
export interface PointSummary {
  /** The trial journaled for it. */
  readonly trial_id: string;
  /** The ef_search measured. */
  readonly ef_search: number;
  /** Recall@k at it. */
  readonly recall: number;
  /** Median search latency at it, µs. */
  readonly p50_us: number;
}

/** What a build-group task returns, or what the workflow's Catch makes of a failed one. */
export type GroupOutcome =
  | {
      readonly group: BuildGroup;
      readonly build: {
        readonly snapshot_key: string;
        readonly memory_bytes: number;
        readonly build_time_ms: number;
        /** `target_recall`: the smallest ef_search that reached the target, or `null`. */
        readonly found_ef: number | null;
        readonly points: readonly PointSummary[];
      };
    }
  | { readonly failed: true; readonly group: BuildGroup; readonly error: StepError };

/** One round of builds: what the Map fans out, and what it collected. */
export interface RoundState {
  /** The round's number (1, 2, ...). */
  readonly number: number;
  /** The builds the round fans out. */
  readonly groups: readonly BuildGroup[];
  /** Builds run at once (0: all). */
  readonly max_concurrency: number;
  /** No more rounds: the tuner (or the grid) is done. */
  readonly done: boolean;
  /** Why no round follows, once `done`. */
  readonly stop_reason: string | null;
  /** What each build of the round came to, once the Map collected them. */
  readonly results?: readonly GroupOutcome[];
}

/** The state the workflow carries from Plan through the rounds to Decide. */
export interface WorkflowState extends AutotuneInput {
  /** The round running or last run. */
  readonly round?: RoundState;
  /** Every build's outcome, across rounds. */
  readonly history?: readonly GroupOutcome[];
  /** Trials of the side-by-side re-measurement of the finalists (`target_recall`). */
  readonly runoff?: { readonly trial_ids: readonly string[] };
  /** Plan failed (its Catch). */
  readonly error?: StepError;
  /** Tune failed (its Catch). */
  readonly tune_error?: StepError;
}

/** The message of a Step Functions error output. */
export function errorText(error: StepError | undefined): string {
  if (!error) return "unknown error";
  try {
    const cause = JSON.parse(error.Cause ?? "") as { errorMessage?: string };
    if (cause.errorMessage) return `${error.Error}: ${cause.errorMessage}`;
  } catch {
    // not JSON: a local error's Cause is its message
  }
  return `${error.Error ?? "Error"}: ${error.Cause ?? ""}`;
}

/** What the tuner sees of the history: the builds that measured something. */
export function tunerOutcomes(
  history: readonly GroupOutcome[],
): (BuildOutcome & { snapshot_key: string })[] {
  return history.flatMap((o) => {
    if (!("build" in o)) return [];
    const points = o.build.points.map(({ ef_search, recall, p50_us }) => ({
      ef_search,
      recall,
      p50_us,
    }));
    return [
      {
        m: o.group.m,
        ef_construction: o.group.ef_construction,
        points,
        best: points.find((p) => p.ef_search === o.build.found_ef) ?? null,
        memory_bytes: o.build.memory_bytes,
        build_time_ms: o.build.build_time_ms,
        snapshot_key: o.build.snapshot_key,
      },
    ];
  });
}

/** The tuner's view of a `target_recall` job: its target, space and remaining build budget. */
export function targetSpace(state: AutotuneInput, history: readonly GroupOutcome[]): TargetSpace {
  if (state.tuning.strategy !== "target_recall") throw new Error("not a target_recall job");
  const { space, max_builds, min_recall } = state.tuning;
  const failedBuilds = history.filter((o) => "failed" in o).length;
  return {
    target: min_recall,
    ms: space.m,
    efConstruction: space.ef_construction,
    maxEfSearch: space.max_ef_search,
    // Failed builds count against the budget.
    maxBuilds: max_builds - failedBuilds,
  };
}

/** The tuner's next round for a `target_recall` job, given its history. */
export function nextTargetRound(state: AutotuneInput, history: readonly GroupOutcome[]): NextRound {
  const failed = history.flatMap((o) => ("failed" in o ? [o.group] : []));
  return nextRound(targetSpace(state, history), tunerOutcomes(history), failed);
}

/** The build groups of a round the tuner asked for, longest first (none when it stopped). */
export function roundGroups(state: AutotuneInput, next: NextRound): BuildGroup[] {
  if (next.kind === "stop") return [];
  const space = targetSpace(state, []);
  return longestFirst(
    next.builds.map((p) => ({
      m: p.m,
      ef_construction: p.ef_construction,
      seed: DEFAULT_SEED,
      target: { recall: space.target, max_ef_search: space.maxEfSearch },
    })),
  );
}

/** The groups whose build failed, each with what went wrong. */
export function failedGroups(history: readonly GroupOutcome[]): FailedGroup[] {
  return history.flatMap((o) =>
    "failed" in o
      ? [
          {
            group: o.group,
            error: `m=${o.group.m} ef_construction=${o.group.ef_construction}: ${errorText(o.error)}`,
          },
        ]
      : [],
  );
}

/** Every trial a job measured: each build's points, then the runoff's. */
export function jobTrialIds(state: WorkflowState, history: readonly GroupOutcome[]): string[] {
  const measured = history.flatMap((o) =>
    "build" in o ? o.build.points.map((p) => p.trial_id) : [],
  );
  return [...measured, ...(state.runoff?.trial_ids ?? [])];
}

/**
 * The job's decision over its `trials`, with the groups that failed (which it names): the seed's
 * rule for `max_recall`; for `target_recall`, the fastest finalist at the target, picked from the
 * side-by-side measurements when there are any, else (one build reached the target, or the
 * runoff failed) from what each build measured.
 */
export function decisionOf(
  state: WorkflowState,
  history: readonly GroupOutcome[],
  trials: readonly Trial[],
  stopReason: string,
): ReturnType<typeof decide> & { readonly failed: FailedGroup[] } {
  const failed = failedGroups(history);
  if (state.tuning.strategy === "max_recall") {
    return { ...decide(trials, state.tuning.min_recall, failed), failed };
  }
  const runoffIds = state.runoff?.trial_ids ?? [];
  const finalistIds = new Set(
    runoffIds.length > 0
      ? runoffIds
      : history.flatMap((o) =>
          "build" in o && o.build.found_ef !== null
            ? o.build.points.filter((p) => p.ef_search === o.build.found_ef).map((p) => p.trial_id)
            : [],
        ),
  );
  const decision = decideTarget(
    trials,
    trials.filter((t) => finalistIds.has(t.trial_id)),
    state.tuning.min_recall,
    history.length,
    failed,
    stopReason,
  );
  return { ...decision, failed };
}
