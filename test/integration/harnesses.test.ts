import { beforeAll, describe, expect, it } from "vitest";
import { S3BlobStore } from "../../src/adapters/s3-blob-store";
import { HarnessStore } from "../../src/app/harness-store";
import { createClients } from "../../src/clients";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

const env = useLocalStack();
const api = env.api;
let harnesses: HarnessStore;
let blobList: (prefix: string) => Promise<string[]>;

beforeAll(() => {
  const blobs = new S3BlobStore(createClients(env.stack.settings).s3, env.stack.settings.bucket);
  harnesses = new HarnessStore(blobs);
  blobList = async (prefix) => (await blobs.list(prefix)).map((o) => o.key);
});

/** Independent brute force: squared L2 with plain arrays, ties by id order of `vectors`. */
function bruteForce(
  vectors: { id: string; values: number[] }[],
  query: number[],
  k: number,
  exclude?: string,
) {
  return vectors
    .filter((v) => v.id !== exclude)
    .map((v) => ({
      id: v.id,
      d: v.values.reduce((s, x, j) => s + (x - (query[j] as number)) ** 2, 0),
    }))
    .sort((a, b) => a.d - b.d)
    .slice(0, k)
    .map((x) => x.id);
}

describe("harnesses", () => {
  const vectors = randomVectors(300, 16, 5);

  beforeAll(async () => {
    await api.put("/vectors/indexes/gt", { dimension: 16, metric: "l2" });
    await upsertAll(api, "gt", vectors);
  });

  it("autogenerates the same queries and ground truth from the same seed", async () => {
    const a = await api.post("/vectors/hnsw/evals/auto-a/autogen", {
      index_name: "gt",
      count: 12,
      k: 5,
      seed: 7,
    });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({
      name: "auto-a",
      index_name: "gt",
      k: 5,
      queries: 12,
      data_version: 1,
      ground_truth_built: true,
      stale: false,
    });
    await api.post("/vectors/hnsw/evals/auto-b/autogen", {
      index_name: "gt",
      count: 12,
      k: 5,
      seed: 7,
    });
    await api.post("/vectors/hnsw/evals/auto-c/autogen", {
      index_name: "gt",
      count: 12,
      k: 5,
      seed: 8,
    });
    const [ha, hb, hc] = await Promise.all(
      ["auto-a", "auto-b", "auto-c"].map((n) => harnesses.get(n)),
    );
    expect(ha?.queries.map((q) => q.sourceId)).toEqual(hb?.queries.map((q) => q.sourceId));
    expect(ha?.groundTruth).toEqual(hb?.groundTruth);
    expect(Array.from(ha?.vectors ?? [])).toEqual(Array.from(hb?.vectors ?? []));
    expect(hc?.queries.map((q) => q.sourceId)).not.toEqual(ha?.queries.map((q) => q.sourceId));
    expect(new Set(ha?.queries.map((q) => q.sourceId)).size).toBe(12);
  });

  it("computes ground truth equal to an independent brute force, leaving every query's source out", async () => {
    await api.post("/vectors/hnsw/evals/auto-gt/autogen", {
      index_name: "gt",
      count: 20,
      k: 10,
      seed: 3,
    });
    const harness = await harnesses.get("auto-gt");
    const sources = new Set(harness?.queries.map((q) => q.sourceId));
    const rest = vectors.filter((v) => !sources.has(v.id));
    expect(rest).toHaveLength(280);
    harness?.queries.forEach((q, i) => {
      const source = vectors.find((v) => v.id === q.sourceId);
      expect(source).toBeDefined();
      expect(harness.groundTruth[i]).toEqual(bruteForce(rest, source?.values ?? [], 10));
      for (const id of sources) expect(harness.groundTruth[i]).not.toContain(id);
    });
  });

  it("computes ground truth for given queries with the native brute force too (>= 96 queries)", async () => {
    const queries = randomVectors(120, 16, 99).map((q) => ({ id: q.id, vector: q.values }));
    const res = await api.post("/vectors/hnsw/evals/given/", { index_name: "gt", k: 4, queries });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ queries: 120, k: 4, source: "given" });
    const harness = await harnesses.get("given");
    queries.forEach((q, i) => {
      expect(harness?.groundTruth[i]).toEqual(bruteForce(vectors, q.vector, 4));
    });
  });

  it("rejects bad harness requests naming the problem", async () => {
    const dim = await api.post("/vectors/hnsw/evals/bad", {
      index_name: "gt",
      queries: [{ vector: [1, 2] }],
    });
    expect(dim.status).toBe(400);
    expect(dim.body.error.message).toMatch(/queries\[0\]\.vector: got 2 values, expected 16/);
    const none = await api.post("/vectors/hnsw/evals/bad", { index_name: "gt", queries: [] });
    expect(none.status).toBe(400);
    const k = await api.post("/vectors/hnsw/evals/bad/autogen", { index_name: "gt", k: 101 });
    expect(k.status).toBe(400);
    expect(k.body.error.message).toMatch(/k: got 101, expected an integer from 1 to 100/);
    // Each query's own vector is held out: the rest must still hold k neighbors.
    const big = await api.post("/vectors/hnsw/evals/bad/autogen", { index_name: "gt", count: 291 });
    expect(big.status).toBe(400);
    expect(big.body.error).toEqual({
      code: "index_too_small",
      message:
        'index "gt" has 300 live vectors; count=291 queries held out plus k=10 neighbors needs at least 301',
    });
    const unknownIndex = await api.post("/vectors/hnsw/evals/bad/autogen", { index_name: "nope" });
    expect(unknownIndex.status).toBe(404);
    expect((await api.get("/vectors/hnsw/evals/bad")).status).toBe(404);
  });

  it("deletes a harness whole, keeping its trials, and not while the index's policy names it", async () => {
    const made = await api.post("/vectors/hnsw/evals/doomed/autogen", {
      index_name: "gt",
      count: 4,
    });
    expect(made.status).toBe(201);
    const stored = await blobList("_hnsw_evals/doomed/");
    expect(stored).toHaveLength(2); // its description and its query vectors
    const trial = await api.post("/vectors/hnsw/trial", {
      index_name: "gt",
      harness: "doomed",
      config: { ef_construction: 20, ef_search: 10, m: 8 },
    });
    expect(trial.status).toBe(201);

    // The policy tunes on it: kept, and the 409 says what to do.
    await api.put("/vectors/hnsw/autotune/policies/gt", { harness: "doomed", every_minutes: 60 });
    const inUse = await api.delete("/vectors/hnsw/evals/doomed");
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe("harness_in_use");
    expect(inUse.body.error.message).toMatch(/autotune policy of index "gt"/);
    expect((await api.get("/vectors/hnsw/evals/doomed")).status).toBe(200);
    // Pointed at another harness, the policy lets it go.
    await api.put("/vectors/hnsw/autotune/policies/gt", { harness: "auto-a", every_minutes: 60 });
    expect((await api.delete("/vectors/hnsw/evals/doomed")).status).toBe(204);
    await api.delete("/vectors/hnsw/autotune/policies/gt");

    expect((await api.get("/vectors/hnsw/evals/doomed")).body.error.code).toBe("harness_not_found");
    expect(await blobList("_hnsw_evals/doomed/")).toEqual([]);
    const again = await api.delete("/vectors/hnsw/evals/doomed");
    expect(again.status).toBe(404);
    expect(again.body.error.message).toBe('harness "doomed" does not exist');
    // Its trial stays in the journal, naming it; a new trial on it is a 404.
    const kept = await api.get(`/vectors/hnsw/trials/gt/${trial.body.trial_id}`);
    expect(kept.body.harness).toBe("doomed");
    const orphan = await api.post("/vectors/hnsw/trial", {
      index_name: "gt",
      harness: "doomed",
      config: { ef_construction: 20, ef_search: 10, m: 8 },
    });
    expect(orphan.status).toBe(404);
    // Made again under the same name, it is the new one.
    const remade = await api.post("/vectors/hnsw/evals/doomed/autogen", {
      index_name: "gt",
      count: 3,
      seed: 9,
    });
    expect(remade.body.queries).toBe(3);
    expect((await harnesses.get("doomed"))?.queries).toHaveLength(3);
  });

  it("lists harnesses a page at a time in name order, of one index or all, with their staleness", async () => {
    await api.put("/vectors/indexes/lst", { dimension: 16, metric: "l2" });
    await upsertAll(api, "lst", randomVectors(30, 16, 6));
    for (const name of ["lst-c", "lst-a", "lst-b"]) {
      const made = await api.post(`/vectors/hnsw/evals/${name}/autogen`, {
        index_name: "lst",
        count: 3,
        k: 3,
      });
      expect(made.status).toBe(201);
    }
    const pages = async (query: string) => {
      const names: string[] = [];
      let token: string | undefined;
      for (let i = 0; i < 50; i++) {
        const path = `/vectors/hnsw/evals?${query}${token ? `&next_token=${token}` : ""}`;
        const page = await api.get(path);
        expect(page.status).toBe(200);
        names.push(...page.body.harnesses.map((h: { name: string }) => h.name));
        token = page.body.next_token;
        if (!token) return names;
      }
      throw new Error("the listing never ended");
    };
    const ofIndex = await api.get("/vectors/hnsw/evals?index_name=lst");
    expect(ofIndex.body.next_token).toBeUndefined();
    expect(ofIndex.body.harnesses).toEqual(
      ["lst-a", "lst-b", "lst-c"].map((name) =>
        expect.objectContaining({ name, index_name: "lst", queries: 3, k: 3, stale: false }),
      ),
    );
    // One a page, across every index's harnesses: each once, in name order.
    expect(await pages("index_name=lst&limit=1")).toEqual(["lst-a", "lst-b", "lst-c"]);
    const all = await pages("limit=2");
    expect(all).toEqual([...new Set(all)].sort());
    expect(all).toEqual(expect.arrayContaining(["auto-a", "given", "lst-a", "lst-b", "lst-c"]));
    // A write makes them stale; a deleted one is gone.
    await upsertAll(api, "lst", randomVectors(1, 16, 7, "late-"));
    await api.delete("/vectors/hnsw/evals/lst-b");
    const after = (await api.get("/vectors/hnsw/evals?index_name=lst")).body.harnesses;
    expect(after.map((h: { name: string; stale: boolean }) => [h.name, h.stale])).toEqual([
      ["lst-a", true],
      ["lst-c", true],
    ]);
    const bad = await api.get("/vectors/hnsw/evals?limit=101");
    expect(bad.body.error.message).toMatch(/limit: got "101", expected an integer from 1 to 100/);
  });
});
