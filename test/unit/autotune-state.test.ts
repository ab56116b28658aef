import { describe, expect, it } from "vitest";
import {
  decisionOf,
  failedGroups,
  type GroupOutcome,
  jobTrialIds,
  roundGroups,
  targetSpace,
  type WorkflowState,
} from "../../src/app/autotune-state";
import type { Trial } from "../../src/domain/trial";
import type { NextRound } from "../../src/domain/tuner";

// What the autotune tasks read from the workflow's state: pure, so tested without the workflow.

const trial = (id: string, recall: number, p50: number, efSearch = 32): Trial =>
  ({
    trial_id: id,
    config: { m: 16, ef_construction: 40, ef_search: efSearch, seed: 42 },
    metrics: {
      recall_at_k: recall,
      search_latency_p50_us: p50,
      memory_bytes: 1000,
      build_time_ms: 10,
    },
  }) as Trial;

const group = (m: number, efConstruction: number) => ({
  m,
  ef_construction: efConstruction,
  seed: 42,
  target: { recall: 0.9, max_ef_search: 256 },
});

const build = (
  m: number,
  foundEf: number | null,
  points: [id: string, ef: number, recall: number, p50: number][],
): GroupOutcome => ({
  group: group(m, 40),
  build: {
    snapshot_key: `snap-${m}`,
    memory_bytes: 1000,
    build_time_ms: 10,
    found_ef: foundEf,
    points: points.map(([trial_id, ef_search, recall, p50_us]) => ({
      trial_id,
      ef_search,
      recall,
      p50_us,
    })),
  },
});

const targetJob = (runoff?: string[]): WorkflowState => ({
  job_id: "j",
  index_name: "i",
  harness: "h",
  max_concurrency: 0,
  refresh_harness: false,
  tuning: {
    strategy: "target_recall",
    min_recall: 0.9,
    space: { m: [8, 16], ef_construction: { min: 20, max: 80 }, max_ef_search: 256 },
    max_builds: 6,
  },
  ...(runoff ? { runoff: { trial_ids: runoff } } : {}),
});

const failed: GroupOutcome = {
  failed: true,
  group: group(32, 80),
  error: { Error: "Timeout", Cause: JSON.stringify({ errorMessage: "took too long" }) },
};

// m=16 reached the target at ef 32 (a2); m=8 never did; one build failed.
const history = [
  build(16, 32, [
    ["a1", 16, 0.85, 50],
    ["a2", 32, 0.93, 80],
  ]),
  build(8, null, [["b1", 256, 0.88, 40]]),
  failed,
];
const trials = [trial("a1", 0.85, 50, 16), trial("a2", 0.93, 80), trial("b1", 0.88, 40, 256)];

describe("autotune workflow state", () => {
  it("names each failed group with its error, and counts failed builds against the budget", () => {
    expect(failedGroups(history)).toEqual([
      { group: failed.group, error: "m=32 ef_construction=80: Timeout: took too long" },
    ]);
    expect(targetSpace(targetJob(), history).maxBuilds).toBe(5);
    expect(targetSpace(targetJob(), []).maxBuilds).toBe(6);
  });

  it("lists every trial a job measured, builds first, then the runoff", () => {
    expect(jobTrialIds(targetJob(["r1", "r2"]), history)).toEqual(["a1", "a2", "b1", "r1", "r2"]);
  });

  it("picks a target_recall winner among each build's point at the target, without a runoff", () => {
    // b1 is faster but never reached the target; a1 is faster but is not the found point.
    const decision = decisionOf(targetJob(), history, trials, "stopped");
    expect(decision.winner?.trial_id).toBe("a2");
    expect(decision.reason).toMatch(/1 build\(s\) failed/);
    expect(decision.failed).toEqual(failedGroups(history));
  });

  it("picks it among the side-by-side measurements when there was a runoff", () => {
    const runoff = [trial("r1", 0.93, 90), trial("r2", 0.95, 60)];
    const decision = decisionOf(targetJob(["r1", "r2"]), history, [...trials, ...runoff], "x");
    expect(decision.winner?.trial_id).toBe("r2");
  });

  it("plans the tuner's builds longest first, at the job's target, and none once it stopped", () => {
    const next: NextRound = {
      kind: "build",
      builds: [
        { m: 8, ef_construction: 20 },
        { m: 16, ef_construction: 80 },
      ],
    };
    expect(roundGroups(targetJob(), next).map((g) => [g.m, g.ef_construction])).toEqual([
      [16, 80],
      [8, 20],
    ]);
    expect(roundGroups(targetJob(), next)[0]?.target).toEqual({
      recall: 0.9,
      max_ef_search: 256,
    });
    expect(roundGroups(targetJob(), { kind: "stop", reason: "done" })).toEqual([]);
  });
});
