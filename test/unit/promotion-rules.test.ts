import { describe, expect, it } from "vitest";
import { ConflictError } from "../../src/domain/errors";
import {
  applyPromote,
  applyRollback,
  BUILTIN_DEFAULT_CONFIG,
  configOr,
  HISTORY_CAP,
  type PromotionEntry,
} from "../../src/domain/promotion";

const entry = (id: string): PromotionEntry =>
  ({
    trial_id: id,
    config: { ef_construction: 20, ef_search: 30, m: 16, seed: 42 },
  }) as PromotionEntry;

describe("promotion rules", () => {
  it("pushes the previous current onto the history, newest first, capped", () => {
    let record = applyPromote(undefined, "ix", entry("a"));
    expect(record).toMatchObject({ current: { trial_id: "a" }, history: [], version: 1 });
    record = applyPromote(record, "ix", entry("b"));
    expect(record.history.map((e) => e.trial_id)).toEqual(["a"]);
    for (let i = 0; i < HISTORY_CAP + 5; i++) record = applyPromote(record, "ix", entry(`t${i}`));
    expect(record.history).toHaveLength(HISTORY_CAP);
    expect(record.history[0]?.trial_id).toBe(`t${HISTORY_CAP + 3}`);
  });

  it("rolls back to the newest history entry, then clears, then refuses", () => {
    const two = applyPromote(applyPromote(undefined, "ix", entry("a")), "ix", entry("b"));
    const one = applyRollback(two, "ix");
    expect(one).toMatchObject({ current: { trial_id: "a" }, history: [], version: 3 });
    const none = applyRollback(one, "ix");
    expect(none.current).toBeNull();
    expect(() => applyRollback(none, "ix")).toThrow(ConflictError);
    expect(() => applyRollback(undefined, "ix")).toThrow(
      'index "ix" has no promotion to roll back',
    );
  });

  it("configOr prefers the promoted config over the fallback", () => {
    expect(configOr(undefined, BUILTIN_DEFAULT_CONFIG)).toMatchObject({
      source: "default",
      config: BUILTIN_DEFAULT_CONFIG,
    });
    const record = applyPromote(undefined, "ix", entry("a"));
    expect(configOr(record, BUILTIN_DEFAULT_CONFIG)).toMatchObject({
      source: "promoted",
      config: entry("a").config,
    });
  });
});
