import { describe, expect, it } from "vitest";
import { z } from "zod";
import { intInRange, numberInRange, queryNumber } from "../../src/domain/ranges";

const query = z.object({
  limit: queryNumber(1, 1000, "an integer", 100),
  min_recall: queryNumber(0, 1, "a number", 0),
});

/** The first issue's message for `input`, or the parsed value. */
function parsed(input: Record<string, string>) {
  const got = query.safeParse(input);
  return got.success ? got.data : got.error.issues[0]?.message;
}

describe("query-string numbers", () => {
  it("reads numbers within bounds, and the default when absent", () => {
    expect(parsed({})).toEqual({ limit: 100, min_recall: 0 });
    expect(parsed({ limit: "1000", min_recall: "0.95" })).toEqual({
      limit: 1000,
      min_recall: 0.95,
    });
    expect(parsed({ limit: " 7 " })).toEqual({ limit: 7, min_recall: 0 });
  });

  it.each([
    ["abc", 'got "abc", expected an integer from 1 to 1000'],
    ["", 'got "", expected an integer from 1 to 1000'],
    ["1,2", 'got "1,2", expected an integer from 1 to 1000'],
    ["1.5", 'got "1.5", expected an integer from 1 to 1000'],
    ["0", 'got "0", expected an integer from 1 to 1000'],
    ["1001", 'got "1001", expected an integer from 1 to 1000'],
    ["Infinity", 'got "Infinity", expected an integer from 1 to 1000'],
  ])("quotes %j as given when it is no integer in bounds", (limit, message) => {
    expect(parsed({ limit })).toBe(message);
  });

  it("says a number, not an integer, where fractions are allowed", () => {
    expect(parsed({ min_recall: "1.0001" })).toBe('got "1.0001", expected a number from 0 to 1');
    expect(parsed({ min_recall: "NaN" })).toBe('got "NaN", expected a number from 0 to 1');
  });
});

describe("body numbers", () => {
  const body = z.object({ m: intInRange(4, 96), recall: numberInRange(0, 1).optional() });
  const message = (input: unknown) => {
    const got = body.safeParse(input);
    return got.success ? null : got.error.issues.map((i) => i.message);
  };

  it("say what was given and what was expected, or that the field is required", () => {
    expect(message({ m: 16 })).toBeNull();
    expect(message({ m: 2.5 })).toEqual(["got 2.5, expected an integer from 4 to 96"]);
    expect(message({ m: "16" })).toEqual(['got "16", expected an integer from 4 to 96']);
    expect(message({})).toEqual(["is required: expected an integer from 4 to 96"]);
    expect(message({ m: 16, recall: 2 })).toEqual(["got 2, expected a number from 0 to 1"]);
  });
});
