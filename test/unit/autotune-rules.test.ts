import { describe, expect, it } from "vitest";
import {
  DEFAULT_GRID,
  decide,
  gridSchema,
  planGroups,
  winnerNote,
} from "../../src/domain/autotune";
import { appendDue, type Policy, scheduleDue } from "../../src/domain/autotune-policy";
import { ValidationError } from "../../src/domain/errors";
import type { Trial } from "../../src/domain/trial";

const trial = (id: string, recall: number, p50: number): Trial =>
  ({ trial_id: id, metrics: { recall_at_k: recall, search_latency_p50_us: p50 } }) as Trial;

describe("planGroups", () => {
  it("builds the default grid's 5 configs from 4 graphs, longest build first", () => {
    const groups = planGroups(DEFAULT_GRID);
    expect(groups).toHaveLength(4);
    expect(groups.map((g) => [g.ef_construction, g.ef_searches])).toEqual([
      [160, [30]],
      [80, [30, 60]],
      [40, [30]],
      [20, [30]],
    ]);
    expect(groups.every((g) => g.m === 16 && g.seed === 42)).toBe(true);
  });

  it("keeps different m apart and refuses duplicate entries", () => {
    expect(
      planGroups([
        { ef_construction: 20, ef_search: 30, m: 8 },
        { ef_construction: 20, ef_search: 30, m: 16 },
      ]),
    ).toHaveLength(2);
    expect(() => planGroups([DEFAULT_GRID[0], DEFAULT_GRID[0]] as never)).toThrow(ValidationError);
    expect(() => planGroups([DEFAULT_GRID[0], DEFAULT_GRID[0]] as never)).toThrow(
      /grid\[1\]: duplicates/,
    );
  });

  it("validates a grid against the trial bounds, naming the entry", () => {
    const bad = gridSchema.safeParse([
      { ef_construction: 20, ef_search: 30 },
      { ef_construction: 20, ef_search: 500 },
    ]);
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual([1, "ef_search"]);
    expect(gridSchema.safeParse([]).success).toBe(false);
    expect(
      gridSchema.safeParse(
        Array.from({ length: 51 }, (_, i) => ({ ef_construction: 10 + i, ef_search: 30 })),
      ).success,
    ).toBe(false);
    expect(gridSchema.parse([{ ef_construction: 20, ef_search: 30 }])).toEqual([
      { ef_construction: 20, ef_search: 30, m: 16 },
    ]);
  });
});

describe("decide", () => {
  it("picks max recall, then min p50, and requires the gate", () => {
    const trials = [trial("a", 0.95, 10), trial("b", 0.99, 40), trial("c", 0.99, 30)];
    expect(decide(trials, 0.9, [])).toEqual({
      winner: trials[2],
      status: "SUCCEEDED",
      reason: null,
    });
    const gated = decide(trials, 0.995, []);
    expect(gated.winner).toBeNull();
    expect(gated.status).toBe("SUCCEEDED");
    expect(gated.reason).toBe(
      "no trial cleared min_recall 0.995: the best recall_at_k was 0.9900; give a grid with larger ef_search and ef_construction, or use strategy target_recall, which searches ef_search up to max_ef_search",
    );
  });

  it("fails only when every group failed, and names failures otherwise", () => {
    const group = { m: 16, ef_construction: 40, seed: 42, ef_searches: [30] };
    expect(decide([], 0.9, [{ group, error: "boom" }])).toMatchObject({
      status: "FAILED",
      reason: "every build group failed: boom",
    });
    const partial = decide([trial("a", 1, 5)], 0.9, [{ group, error: "boom" }]);
    expect(partial).toMatchObject({ status: "SUCCEEDED", winner: { trial_id: "a" } });
    expect(partial.reason).toContain("1 build group(s) failed: boom");
  });

  it("writes the winner's note with recall to 2 decimals", () => {
    expect(winnerNote(trial("a", 0.98765, 141.2))).toBe(
      "autotune winner: recall=0.9877 p50=141.2us",
    );
  });
});

describe("policy triggers", () => {
  const policy = (over: Partial<Policy>): Policy =>
    ({
      every_minutes: null,
      min_new_vectors: null,
      last_started_at: null,
      vectors_written_at_last_start: 0,
      ...over,
    }) as Policy;

  it("is due on the schedule when never started or the period passed", () => {
    const now = new Date("2026-01-01T01:00:00Z");
    expect(scheduleDue(policy({ every_minutes: 5 }), now)).toBe(true);
    expect(
      scheduleDue(policy({ every_minutes: 5, last_started_at: "2026-01-01T00:56:00Z" }), now),
    ).toBe(false);
    expect(
      scheduleDue(policy({ every_minutes: 5, last_started_at: "2026-01-01T00:55:00Z" }), now),
    ).toBe(true);
    expect(scheduleDue(policy({}), now)).toBe(false);
  });

  it("is due after appends once min_new_vectors were written since the last start", () => {
    expect(
      appendDue(policy({ min_new_vectors: 30, vectors_written_at_last_start: 100 }), 129),
    ).toBe(false);
    expect(
      appendDue(policy({ min_new_vectors: 30, vectors_written_at_last_start: 100 }), 130),
    ).toBe(true);
    expect(appendDue(policy({}), 1_000_000)).toBe(false);
  });
});
