import { describe, expect, it } from "vitest";
import { HISTORY_CAP } from "../../src/domain/promotion";
import { promotionHelpers } from "../support/promotions";
import { useLocalStack } from "../support/stacks";

const env = useLocalStack();
const api = env.api;

const { indexWithTrials, promote } = promotionHelpers(env);

describe("promotion registry", () => {
  it("serializes 50 concurrent promotes and 50 rollbacks, losing none", async () => {
    const ids = await indexWithTrials(
      "crowd",
      Array.from({ length: 50 }, (_, i) => 10 + i),
    );
    const promotes = await Promise.all(ids.map((id) => promote("crowd", id)));
    expect(promotes.map((r) => r.status)).toEqual(Array(50).fill(200));
    const depths = promotes.map((r) => r.body.history_depth).sort((a, b) => a - b);
    expect(depths).toEqual(Array.from({ length: 50 }, (_, i) => i));

    const registry = (await api.get("/vectors/hnsw/promoted/crowd")).body;
    expect(registry.version).toBe(50);
    expect(registry.history).toHaveLength(49);
    const all = [
      registry.current.trial_id,
      ...registry.history.map((e: { trial_id: string }) => e.trial_id),
    ];
    expect(new Set(all)).toEqual(new Set(ids));
    expect(registry.current.note).toBe(`n-${registry.current.trial_id}`);

    const rollbacks = await Promise.all(ids.map(() => api.post("/vectors/hnsw/rollback/crowd")));
    expect(rollbacks.map((r) => r.status)).toEqual(Array(50).fill(200));
    // Each rollback popped one entry: the currents it left are the 49 history entries, then null.
    const currents = rollbacks.map((r) => r.body.current?.trial_id ?? null);
    expect(currents.filter((c) => c === null)).toHaveLength(1);
    expect(new Set(currents.filter((c) => c !== null))).toEqual(new Set(all.slice(1)));
    const after = (await api.get("/vectors/hnsw/promoted/crowd")).body;
    expect(after).toMatchObject({ current: null, history: [], version: 100 });
    expect((await api.post("/vectors/hnsw/rollback/crowd")).status).toBe(409);
  });

  it("holds the history cap: the oldest entries fall off", async () => {
    const ids = await indexWithTrials(
      "capped",
      Array.from({ length: HISTORY_CAP + 4 }, (_, i) => 10 + i),
    );
    for (const id of ids) expect((await promote("capped", id)).status).toBe(200);
    const registry = (await api.get("/vectors/hnsw/promoted/capped")).body;
    expect(registry.current.trial_id).toBe(ids.at(-1));
    expect(registry.history).toHaveLength(HISTORY_CAP);
    expect(registry.history.map((e: { trial_id: string }) => e.trial_id)).toEqual(
      ids.slice(3, -1).reverse(),
    );
  });

  it("promote, rollback, rollback: current is cleared, and nothing more rolls back", async () => {
    const [a] = await indexWithTrials("simple", [30]);
    const promoted = await promote("simple", a as string, "alice");
    expect(promoted.body).toMatchObject({ index_name: "simple", history_depth: 0 });
    expect(promoted.body.current).toMatchObject({
      trial_id: a,
      promoted_by: "alice",
      note: `n-${a}`,
    });
    expect(Object.keys(promoted.body.current).sort()).toEqual(
      ["config", "metrics", "note", "promoted_at", "promoted_by", "trial_id"].sort(),
    );
    const first = await api.post("/vectors/hnsw/rollback/simple");
    expect(first.body).toEqual({ index_name: "simple", current: null, history_depth: 0 });
    const second = await api.post("/vectors/hnsw/rollback/simple");
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe("nothing_to_roll_back");
    expect((await api.get("/vectors/hnsw/promoted/never")).status).toBe(404);
  });

  it("refuses a trial of another index or an unknown one with 404", async () => {
    const [other] = await indexWithTrials("other-index", [20]);
    const [mine] = await indexWithTrials("mine", [20]);
    expect((await promote("mine", other as string)).body.error.code).toBe("trial_not_found");
    expect((await promote("nope", mine as string)).body.error.code).toBe("index_not_found");
    expect((await api.post("/vectors/hnsw/promote/mine/not-a-ulid")).status).toBe(400);
  });

  it("configOr returns the promoted config, or the default when nothing is promoted", async () => {
    const [t] = await indexWithTrials("cfg", [44]);
    const fallback = { ef_construction: 33, ef_search: 22, m: 12, seed: 7 };
    const index = await env.services.vectors.getIndex("cfg");
    expect((await env.services.promotions.configOr(index, fallback)).config).toEqual(fallback);
    await promote("cfg", t as string);
    const chosen = await env.services.promotions.configOr(index, fallback);
    expect(chosen).toMatchObject({
      source: "promoted",
      config: { ef_construction: 20, ef_search: 44, m: 8, seed: 42 },
    });
  });
});
