import { describe, expect, it } from "vitest";
import { useLocalStack } from "../support/stacks";

// Reading vectors by id, one or a batch: the current values and metadata, as last written.

const env = useLocalStack();
const api = env.api;

describe("getting vectors by id", () => {
  it("answers a batch in the order asked, with the ids not live", async () => {
    await api.put("/vectors/indexes/reads", { dimension: 2, metric: "l2" });
    await api.post("/vectors/indexes/reads/vectors", {
      vectors: [
        { id: "a", values: [1, 2], metadata: { v: 1 } },
        { id: "b", values: [3, 4] },
        { id: "c", values: [5, 6], metadata: { v: 1 } },
      ],
    });
    await api.delete("/vectors/indexes/reads/vectors/b");
    await api.post("/vectors/indexes/reads/vectors", {
      vectors: [{ id: "c", values: [7, 8], metadata: { v: 2 } }],
    });
    const got = await api.post("/vectors/indexes/reads/vectors/get", {
      ids: ["c", "b", "a", "never"],
    });
    expect(got.status).toBe(200);
    expect(got.body).toEqual({
      vectors: [
        { id: "c", values: [7, 8], metadata: { v: 2 } },
        { id: "a", values: [1, 2], metadata: { v: 1 } },
      ],
      not_found: ["b", "never"],
    });
    // One at a time answers the same.
    expect((await api.get("/vectors/indexes/reads/vectors/c")).body).toEqual(got.body.vectors[0]);
    expect((await api.get("/vectors/indexes/reads/vectors/b")).status).toBe(404);
  });

  it("refuses a bad batch with a 400 naming it", async () => {
    await api.put("/vectors/indexes/reads-bad", { dimension: 2, metric: "l2" });
    const cases: [unknown, string][] = [
      [{ ids: [] }, "ids: must hold at least one id"],
      [{ ids: Array.from({ length: 101 }, (_, i) => `x${i}`) }, "holds 101 ids; at most 100"],
      [{ ids: ["a", "a"] }, 'ids[1]: duplicate id "a" (also at ids[0])'],
    ];
    for (const [body, message] of cases) {
      const res = await api.post("/vectors/indexes/reads-bad/vectors/get", body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toContain(message);
    }
    const unknown = await api.post("/vectors/indexes/no-such/vectors/get", { ids: ["a"] });
    expect(unknown.body.error.code).toBe("index_not_found");
  });
});
