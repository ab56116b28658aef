import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/domain/seeded-random";
import {
  type BuildOutcome,
  type BuildPoint,
  compareOutcomes,
  efConstructionLadder,
  nextRound,
  paretoFront,
  pickFastest,
  searchEf,
  type TargetSpace,
} from "../../src/domain/tuner";

/**
 * A deterministic model of HNSW: graph quality grows with m and ef_construction and saturates;
 * recall rises with ef_search towards a ceiling that small m and ef_construction keep below 1;
 * latency grows with ef_search and m. So the best m depends on the target: small m wins at low
 * targets, and cannot reach high ones without a large ef_construction. Optional noise: latency
 * jitter and small non-monotone bumps in recall, as real measurements have.
 */
function model(noise = 0) {
  const jitter = seededRandom(7);
  const ceiling = (m: number, efc: number) => 1 - 0.03 * (8 / m) ** 2 * Math.exp(-efc / 150);
  const quality = (m: number, efc: number) => (m / (m + 6)) * (1 - 0.6 * Math.exp(-efc / 90));
  const recall = (p: BuildPoint, ef: number) => {
    const clean =
      ceiling(p.m, p.ef_construction) * (1 - Math.exp(-(ef * quality(p.m, p.ef_construction)) / 9));
    const bump = noise ? 0.004 * Math.sin(ef * 1.7 + p.m) : 0;
    return Math.min(1, Math.max(0, clean + bump));
  };
  const latency = (p: BuildPoint, ef: number) =>
    (15 + ef * (0.6 + p.m / 20)) * (1 + noise * (jitter() * 2 - 1));
  const build = (p: BuildPoint, space: TargetSpace): BuildOutcome => {
    const { probes, found } = searchEf((ef) => recall(p, ef), space.target, 10, space.maxEfSearch);
    const points = probes.map(({ ef, recall: r }) => ({
      ef_search: ef,
      recall: r,
      p50_us: latency(p, ef),
    }));
    return {
      ...p,
      points,
      best: found === null ? null : (points.find((x) => x.ef_search === found) ?? null),
      memory_bytes: 1000 * p.m,
      build_time_ms: p.ef_construction * p.m,
    };
  };
  return { recall, latency, build };
}

const SPACE: Omit<TargetSpace, "target"> = {
  ms: [8, 16, 32],
  efConstruction: { min: 40, max: 400 },
  maxEfSearch: 1024,
  maxBuilds: 6,
};

/** Runs the tuner to its stop, as the workflow does round by round. */
function tune(space: TargetSpace, noise = 0) {
  const m = model(noise);
  const done: BuildOutcome[] = [];
  let rounds = 0;
  for (;;) {
    const next = nextRound(space, done);
    if (next.kind === "stop") return { done, reason: next.reason, rounds };
    rounds++;
    for (const p of next.builds) done.push(m.build(p, space));
  }
}

/** The true optimum: the lowest noiseless latency reaching the target over the whole space. */
function optimum(space: TargetSpace): number {
  const m = model();
  let best = Number.POSITIVE_INFINITY;
  for (const mm of space.ms) {
    for (const efc of efConstructionLadder(space.efConstruction)) {
      for (let ef = 10; ef <= space.maxEfSearch; ef++) {
        if (m.recall({ m: mm, ef_construction: efc }, ef) >= space.target) {
          best = Math.min(best, m.latency({ m: mm, ef_construction: efc }, ef));
          break;
        }
      }
    }
  }
  return best;
}

describe("target_recall tuner", () => {
  it("builds a geometric ladder of ef_construction from min to max", () => {
    expect(efConstructionLadder({ min: 40, max: 400 })).toEqual([
      40, 57, 80, 113, 160, 226, 320, 400,
    ]);
    expect(efConstructionLadder({ min: 100, max: 100 })).toEqual([100]);
  });

  it.each([0.9, 0.95, 0.99])(
    "finds within 10%% of the optimum at target %s, within budget",
    (target) => {
      const space = { ...SPACE, target };
      const { done, reason } = tune(space);
      expect(done.length).toBeLessThanOrEqual(space.maxBuilds);
      expect(new Set(done.map((o) => `${o.m}/${o.ef_construction}`)).size).toBe(done.length);
      const pick = [...done].sort(compareOutcomes)[0];
      expect(pick?.best).not.toBeNull();
      expect(pick?.best?.recall).toBeGreaterThanOrEqual(target);
      const truth = model().latency(pick as BuildPoint, pick?.best?.ef_search as number);
      expect(truth / optimum(space)).toBeLessThanOrEqual(1.1);
      expect(reason).toMatch(/budget|converged/);
    },
  );

  it.each([0.9, 0.95, 0.99])("tolerates measurement noise at target %s", (target) => {
    const space = { ...SPACE, target };
    const { done } = tune(space, 0.03);
    const pick = [...done].sort(compareOutcomes)[0] as BuildOutcome;
    expect(pick.best?.recall).toBeGreaterThanOrEqual(target);
    const truth = model().latency(pick, pick.best?.ef_search as number);
    expect(truth / optimum(space)).toBeLessThanOrEqual(1.1);
  });

  it("stops when the target is unreachable, having tried the most recall the space offers", () => {
    const space = { ...SPACE, target: 0.9999, maxEfSearch: 64 };
    const { done, reason } = tune(space);
    expect(done.every((o) => o.best === null)).toBe(true);
    expect(done.length).toBeLessThanOrEqual(space.maxBuilds);
    expect(done.some((o) => o.m === 32 && o.ef_construction === 400)).toBe(true);
    expect(reason).toMatch(/no config in the space reaches the target/);
  });

  it("never builds past its budget", () => {
    const { done, reason } = tune({ ...SPACE, target: 0.95, maxBuilds: 2 });
    expect(done).toHaveLength(2);
    expect(reason).toBe("used its budget of 2 builds");
  });
});

describe("ef_search search within a graph", () => {
  it("finds the smallest ef reaching the target in a few probes, not a scan", () => {
    const recall = (ef: number) => Math.min(1, ef / 300);
    const { probes, found } = searchEf(recall, 0.5, 10, 1024);
    expect(found).toBeGreaterThanOrEqual(150);
    expect(found).toBeLessThanOrEqual(153);
    expect(recall(found as number)).toBeGreaterThanOrEqual(0.5);
    expect(probes.length).toBeLessThanOrEqual(12);
  });

  it("answers at once when the lowest ef already reaches it, and null when the highest does not", () => {
    expect(searchEf(() => 0.99, 0.9, 10, 1024)).toEqual({
      probes: [
        { ef: 1024, recall: 0.99 },
        { ef: 10, recall: 0.99 },
      ],
      found: 10,
    });
    expect(searchEf(() => 0.5, 0.9, 10, 1024).found).toBeNull();
  });
});

describe("the final pick", () => {
  it("takes the fastest, unless ties within 5% have less memory, then a shorter build", () => {
    const c = (id: string, p50_us: number, memory_bytes: number, build_time_ms: number) => ({
      id,
      p50_us,
      memory_bytes,
      build_time_ms,
    });
    expect(pickFastest([c("a", 100, 30, 5), c("b", 104, 20, 9), c("c", 104, 20, 4)])?.id).toBe("c");
    expect(pickFastest([c("a", 100, 30, 5), c("b", 106, 10, 1)])?.id).toBe("a");
    expect(pickFastest([])).toBeUndefined();
  });
});

describe("Pareto front", () => {
  it("keeps the points no other beats on both recall and latency", () => {
    const points = [
      { id: "a", recall: 0.9, p50_us: 100 },
      { id: "b", recall: 0.95, p50_us: 150 },
      { id: "c", recall: 0.93, p50_us: 160 },
      { id: "d", recall: 0.99, p50_us: 300 },
      { id: "e", recall: 0.85, p50_us: 120 },
    ];
    expect(paretoFront(points).map((p) => p.id)).toEqual(["a", "b", "d"]);
  });
});
