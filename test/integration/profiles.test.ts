import { describe, expect, it } from "vitest";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

const env = useLocalStack();
const api = env.api;

// Search profiles: a set of indexes activated and searched together.

describe("profiles", () => {
  it("activates every index, reporting a broken one without stopping the others", async () => {
    await api.put("/vectors/indexes/prof-a", { dimension: 4, metric: "l2" });
    await upsertAll(api, "prof-a", randomVectors(30, 4, 8));
    await api.put("/vectors/indexes/prof-empty", { dimension: 4, metric: "l2" });
    await api.put("/vectors/indexes/prof-gone", { dimension: 4, metric: "l2" });
    const config = { ef_construction: 30, ef_search: 15, m: 6, seed: 3 };
    const put = await api.put("/vectors/profiles/team", {
      indexes: ["prof-a", "prof-empty", "prof-gone"],
      hnsw_config: config,
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      id: "team",
      indexes: ["prof-a", "prof-empty", "prof-gone"],
      hnsw_config: config,
    });
    expect((await api.get("/vectors/profiles/team")).body.indexes).toHaveLength(3);
    await api.delete("/vectors/indexes/prof-gone");

    const res = await api.post("/vectors/profiles/team/activate");
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(
      res.body.results.map((r: { index_name: string }) => [r.index_name, r]),
    );
    expect(byName["prof-a"]).toMatchObject({
      ok: true,
      config,
      config_source: "default",
      generation: 1,
    });
    expect(byName["prof-empty"]).toMatchObject({ ok: false, error: { code: "index_empty" } });
    expect(byName["prof-gone"]).toMatchObject({ ok: false, error: { code: "index_not_found" } });

    const search = await api.post("/vectors/profiles/team/search", {
      index_name: "prof-a",
      vector: [0, 0, 0, 0],
      k: 2,
    });
    expect(search.body).toMatchObject({ mode: "hnsw", generation: 1 });
  });

  it("refuses a search of an index outside the profile with 403, and unknown profiles with 404", async () => {
    await api.put("/vectors/indexes/outside", { dimension: 4, metric: "l2" });
    await api.put("/vectors/indexes/inside", { dimension: 4, metric: "l2" });
    await api.put("/vectors/profiles/narrow", { indexes: ["inside"] });
    const res = await api.post("/vectors/profiles/narrow/search", {
      index_name: "outside",
      vector: [1, 2, 3, 4],
    });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("index_not_in_profile");
    expect((await api.get("/vectors/profiles/nobody")).status).toBe(404);
    const unknownIndex = await api.put("/vectors/profiles/bad", { indexes: ["no-such-index"] });
    expect(unknownIndex.status).toBe(404);
  });

  it("deletes a profile, leaving its indexes and their active generations as they were", async () => {
    await api.put("/vectors/indexes/prof-kept", { dimension: 4, metric: "l2" });
    const vectors = randomVectors(20, 4, 9);
    await upsertAll(api, "prof-kept", vectors);
    await api.put("/vectors/profiles/short-lived", { indexes: ["prof-kept"] });
    const activated = await api.post("/vectors/profiles/short-lived/activate");
    expect(activated.body.results[0]).toMatchObject({ ok: true });

    expect((await api.delete("/vectors/profiles/short-lived")).status).toBe(204);
    expect((await api.get("/vectors/profiles/short-lived")).body.error.code).toBe(
      "profile_not_found",
    );
    const searched = await api.post("/vectors/profiles/short-lived/search", {
      index_name: "prof-kept",
      vector: vectors[0]?.values,
    });
    expect(searched.status).toBe(404);
    const again = await api.delete("/vectors/profiles/short-lived");
    expect(again.status).toBe(404);
    expect(again.body.error.message).toBe('profile "short-lived" does not exist');
    // The index keeps its generation and answers from its graph.
    const index = await api.get("/vectors/indexes/prof-kept");
    expect(index.body.active.generation).toBe(1);
    const direct = await api.post("/vectors/indexes/prof-kept/search", {
      vector: vectors[0]?.values,
      k: 1,
    });
    expect(direct.body).toMatchObject({ mode: "hnsw", results: [{ id: vectors[0]?.id }] });
  });
});
