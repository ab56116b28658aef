import { describe, expect, it } from "vitest";
import {
  ConflictError,
  ContentionError,
  errorFromRecord,
  errorRecordOf,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  type VectordError,
} from "../../src/domain/errors";

// A typed error recorded by a task comes back, for the request that waited on it, as itself.

const untyped = (name: string) => ({ code: "task_failed", message: `the task failed (${name})` });

describe("error records", () => {
  it.each<[string, VectordError]>([
    ["ValidationError", new ValidationError("m: got 0, expected 2 to 100", "invalid_config")],
    ["NotFoundError", new NotFoundError("index_not_found", 'index "x" does not exist')],
    ["ConflictError", new ConflictError("stale_activation", "newer data is active")],
    ["ForbiddenError", new ForbiddenError("index_not_in_profile", "not in it")],
    ["ContentionError", new ContentionError("lost 100 races")],
  ])("keeps a %s's class, code and message", (kind, err) => {
    const record = errorRecordOf(err, untyped);
    expect(record).toEqual({ kind, code: err.code, message: err.message });
    const revived = errorFromRecord(JSON.parse(JSON.stringify(record)));
    expect(revived.constructor).toBe(err.constructor);
    expect(revived).toMatchObject({ name: kind, code: err.code, message: err.message });
  });

  it("names anything else by its class only, and revives it as a plain Error", () => {
    const record = errorRecordOf(new TypeError("secret detail at /var/task/index.mjs"), untyped);
    expect(record).toEqual({
      kind: "Error",
      code: "task_failed",
      message: "the task failed (TypeError)",
    });
    const revived = errorFromRecord(record);
    expect(revived.constructor).toBe(Error);
    expect(revived.message).not.toContain("secret");
  });
});
