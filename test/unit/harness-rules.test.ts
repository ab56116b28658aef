import { describe, expect, it } from "vitest";
import { AUTOGEN_DEFAULTS, defaultAutogenCount } from "../../src/domain/harness";

describe("defaultAutogenCount", () => {
  it("draws one query per 10 vectors, at least 10 and at most 100", () => {
    expect(AUTOGEN_DEFAULTS.count).toBe(100);
    expect([0, 11, 60, 109].map(defaultAutogenCount)).toEqual([10, 10, 10, 10]);
    expect([110, 300, 999].map(defaultAutogenCount)).toEqual([11, 30, 99]);
    expect([1000, 8000, 10_000_000].map(defaultAutogenCount)).toEqual([100, 100, 100]);
  });
});
