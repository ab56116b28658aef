import { describe, expect, it } from "vitest";
import {
  compileFilter,
  FILTER_LIMITS,
  filterKey,
  matchesAll,
  parseFilter,
} from "../../src/domain/filter";
import { filteredPlan, MAX_FILTERED_EF } from "../../src/domain/filtered-search";

const parse = (input: unknown) => {
  const out = parseFilter(input);
  if ("problem" in out) throw new Error(`${out.problem.path.join(".")}: ${out.problem.message}`);
  return out.filter;
};
const matches = (filter: unknown, metadata: Record<string, unknown> | null) =>
  compileFilter(parse(filter))(metadata);

describe("filters", () => {
  it("compares scalars, lists and ranges as documented", () => {
    const m = { color: "red", size: 12, tags: ["a", "b"], on: true };
    expect(matches({ color: "red" }, m)).toBe(true);
    expect(matches({ color: { $ne: "red" } }, m)).toBe(false);
    expect(matches({ tags: "b" }, m)).toBe(true);
    expect(matches({ tags: { $nin: ["b"] } }, m)).toBe(false);
    expect(matches({ size: { $gt: 11, $lte: 12 } }, m)).toBe(true);
    expect(matches({ size: { $gt: 12 } }, m)).toBe(false);
    expect(matches({ color: { $gt: 1 } }, m)).toBe(false);
    expect(matches({ on: true, color: { $in: ["red", "blue"] } }, m)).toBe(true);
    expect(matches({ $or: [{ size: 1 }, { on: false }] }, m)).toBe(false);
    expect(matches({ $and: [{ size: 12 }, { $or: [{ on: false }, { tags: "a" }] }] }, m)).toBe(
      true,
    );
  });

  it("lets a missing field match only $ne and $nin; {} matches everything", () => {
    expect(matches({ gone: "x" }, { color: "red" })).toBe(false);
    expect(matches({ gone: { $ne: "x" } }, null)).toBe(true);
    expect(matches({ gone: { $nin: ["x"] } }, {})).toBe(true);
    expect(matches({ gone: { $lt: 3 } }, {})).toBe(false);
    expect(matches({}, null)).toBe(true);
    expect(matchesAll(parse({}))).toBe(true);
    expect(matchesAll(parse({ a: 1 }))).toBe(false);
  });

  it("keys equal filters alike and different filters apart", () => {
    expect(filterKey(parse({ a: 1, b: { $in: ["x"] } }))).toBe(
      filterKey(parse({ a: { $eq: 1 }, b: { $in: ["x"] } })),
    );
    expect(filterKey(parse({ a: 1 }))).not.toBe(filterKey(parse({ a: "1" })));
  });

  it("names the path of what is wrong, and holds its limits", () => {
    const problem = (input: unknown) => {
      const out = parseFilter(input);
      return "problem" in out ? `${out.problem.path.join("/")}: ${out.problem.message}` : "ok";
    };
    expect(problem({ $or: [{ a: { $gte: 1 } }, { b: { $lt: null } }] })).toBe(
      "$or/1/b/$lt: got null, expected a finite number",
    );
    expect(problem({ a: { $in: [1, {}] } })).toBe(
      "a/$in/1: got an object, expected a string, number or boolean",
    );
    expect(problem({ a: {} })).toMatch(/^a: holds no operator/);
    expect(problem({ a: { $eq: Number.NaN } })).toBe(
      "a/$eq: got NaN, expected a string, number or boolean",
    );
    let deep: unknown = { a: 1 };
    for (let i = 0; i < FILTER_LIMITS.depth; i++) deep = { $and: [deep] };
    expect(problem(deep)).toMatch(/nests deeper than 8 levels/);
    const many = Object.fromEntries(
      Array.from({ length: FILTER_LIMITS.conditions + 1 }, (_, i) => [`k${i}`, i]),
    );
    expect(problem(many)).toMatch(/holds over 64 conditions/);
    expect(problem({ a: { $in: Array(FILTER_LIMITS.listValues + 1).fill(1) } })).toMatch(
      /holds 1025 values; at most 1024/,
    );
  });
});

describe("filtered search plan", () => {
  it("widens ef_search by the selectivity and scans when the walk would cost as much", () => {
    // 10,000 live labels, m=16, ef_search 30, k 10.
    expect(filteredPlan(30, 10, 16, 10_000, 10_000)).toEqual({ strategy: "graph", efSearch: 30 });
    expect(filteredPlan(30, 10, 16, 5_000, 10_000)).toEqual({ strategy: "graph", efSearch: 60 });
    // 10%: 300 × 32 distances ≥ 1,000 matches: scan.
    expect(filteredPlan(30, 10, 16, 1_000, 10_000)).toEqual({ strategy: "scan" });
    // 10% of a million: the walk is cheaper.
    expect(filteredPlan(30, 10, 16, 100_000, 1_000_000)).toEqual({
      strategy: "graph",
      efSearch: 300,
    });
    // k above ef_search widens from k.
    expect(filteredPlan(10, 50, 16, 500_000, 1_000_000)).toEqual({
      strategy: "graph",
      efSearch: 100,
    });
    // Past the widest ef_search: scan.
    expect(filteredPlan(30, 10, 4, 7_000, 1_000_000)).toEqual({ strategy: "scan" });
    expect(Math.ceil(30 / (7_000 / 1_000_000))).toBeGreaterThan(MAX_FILTERED_EF);
    expect(filteredPlan(30, 10, 16, 0, 1_000)).toEqual({ strategy: "scan" });
  });
});
