import { describe, expect, it } from "vitest";
import { idProblem, newIdProblem } from "../../src/domain/ids";

describe("vector ids", () => {
  it("accepts 1..256 characters of text, astral ones counted once", () => {
    expect(idProblem("a")).toBeNull();
    expect(idProblem("doc/1 é 中 😀")).toBeNull();
    expect(idProblem("😀".repeat(256))).toBeNull();
    expect(idProblem("x".repeat(256))).toBeNull();
  });

  it("refuses control characters, lone surrogates, empty and over-long ids, naming the rule", () => {
    expect(idProblem("")).toBe("must not be empty");
    expect(idProblem("\u0000")).toBe(
      "holds a control character (U+0000) at character 1; ids may not",
    );
    expect(idProblem("nl\n")).toMatch(/U\+000A\) at character 3/);
    expect(idProblem("del\u007f")).toMatch(/U\+007F/);
    expect(idProblem("c1\u0085")).toMatch(/U\+0085/);
    expect(idProblem("a\ud800")).toBe("holds an unpaired surrogate (U+D800) at character 2");
    expect(idProblem("\udc00b")).toMatch(/unpaired surrogate \(U\+DC00\) at character 1/);
    expect(idProblem("x".repeat(257))).toBe("must be at most 256 characters (got 257)");
  });

  it("refuses . and .. on write only: a path could not address them", () => {
    for (const id of [".", ".."]) {
      expect(newIdProblem(id)).toMatch(/cannot be addressed in a URL path/);
      expect(idProblem(id)).toBeNull();
    }
    for (const id of ["...", ".a", "a.", "%2E%2E"]) expect(newIdProblem(id)).toBeNull();
    expect(newIdProblem("")).toBe("must not be empty");
  });
});
