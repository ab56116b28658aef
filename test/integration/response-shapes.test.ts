import { describe, expect, it } from "vitest";
import { DATA_ROUTES } from "../../infra/data-routes";
import { ROUTE_SCHEMAS } from "../../src/http/api-schemas";
import { checkedRoutes, checkResponse, ResponseShapeError } from "../support/response-shapes";
import { useLocalStack } from "../support/stacks";
import { encodeNpy } from "../support/vector-files";
import { randomRows, randomVectors } from "../support/vectors";

// Every data route that declares its response schema (the OpenAPI document's) answers in it: a
// journey through each of them (./response-shapes-tuning.test.ts does the tuning routes), every answer checked by the tests' HTTP client (see
// ../support/response-shapes.ts), each answer kind at least once (single and batch searches,
// exact and through a graph, with either filter strategy; first and last pages).

const env = useLocalStack();
const api = env.api;
const CONFIG = { ef_construction: 40, ef_search: 20, m: 8, seed: 42 };

describe("declared response schemas", () => {
  it("refuse an answer with an undeclared field, a field of another shape or an undeclared status", () => {
    const good = { upserted: 1, count: 1, data_version: 1 };
    expect(() => checkResponse("POST", "/vectors/indexes/x/vectors", 200, good)).not.toThrow();
    expect(() =>
      checkResponse("POST", "/vectors/indexes/x/vectors", 200, { ...good, extra: true }),
    ).toThrow(ResponseShapeError);
    expect(() =>
      checkResponse("POST", "/vectors/indexes/x/vectors", 200, { ...good, count: "1" }),
    ).toThrow(/UpsertVectors.*count/);
    // A success status the route does not declare fails too (an upsert answers 200, not 201).
    expect(() => checkResponse("POST", "/vectors/indexes/x/vectors", 201, good)).toThrow(
      /UpsertVectors answered 201/,
    );
    // Errors are not success answers: their shape is the error body's, checked elsewhere.
    expect(() => checkResponse("POST", "/vectors/indexes/x/vectors", 400, {})).not.toThrow();
  });

  it("match every answer of every route that declares one, through a journey of all of them", async () => {
    const name = "shapes";
    expect((await api.put(`/vectors/indexes/${name}`, { dimension: 4, metric: "l2" })).status).toBe(
      201,
    );
    expect((await api.put(`/vectors/indexes/${name}`, { dimension: 4, metric: "l2" })).status).toBe(
      200,
    );
    await api.put("/vectors/indexes/shapes-other", { dimension: 2, metric: "cosine" });
    const first = await api.get("/vectors/indexes?limit=1");
    expect(first.body.next_token).toEqual(expect.any(String));
    await api.get(`/vectors/indexes?limit=1&next_token=${first.body.next_token}`);
    expect((await api.get(`/vectors/indexes/${name}`)).body.active).toBeNull();

    // Enough vectors that a broad filter searches the graph, and a narrow one scans its matches.
    const vectors = randomVectors(2000, 4, 7).map((v, i) => ({
      ...v,
      ...(i % 3 === 0 ? {} : { metadata: { bucket: i % 10, tag: `t${i}` } }),
    }));
    for (const batch of [vectors.slice(0, 1000), vectors.slice(1000)]) {
      expect((await api.post(`/vectors/indexes/${name}/vectors`, { vectors: batch })).status).toBe(
        200,
      );
    }
    expect((await api.get(`/vectors/indexes/${name}/vectors/v1`)).body.id).toBe("v1");
    expect((await api.get(`/vectors/indexes/${name}/vectors/v0`)).body.metadata).toBeNull();
    const got = await api.post(`/vectors/indexes/${name}/vectors/get`, { ids: ["v2", "nope"] });
    expect(got.body.not_found).toEqual(["nope"]);
    const page = await api.get(`/vectors/indexes/${name}/vectors?limit=1000`);
    expect(page.body.next_token).toEqual(expect.any(String));
    await api.get(`/vectors/indexes/${name}/vectors?limit=1000&next_token=${page.body.next_token}`);

    const query = vectors[5]?.values as number[];
    const exact = await api.post(`/vectors/indexes/${name}/search`, { vector: query, k: 3 });
    expect(exact.body.mode).toBe("exact");
    await api.post(`/vectors/indexes/${name}/search`, { queries: [query, query], k: 2 });

    const activated = await api.post(`/vectors/hnsw/activate/${name}`, { default_config: CONFIG });
    expect(activated.status).toBe(200);
    expect((await api.get(`/vectors/indexes/${name}`)).body.active.config).toEqual(CONFIG);
    await api.post(`/vectors/indexes/${name}/vectors`, {
      vectors: randomVectors(5, 4, 8, "late-"),
    });
    const graph = await api.post(`/vectors/indexes/${name}/search`, { vector: query, k: 3 });
    expect(graph.body).toMatchObject({ mode: "hnsw", pending_vectors: 5 });
    const strategies = new Set<string>();
    for (const filter of [{ bucket: { $lt: 9 } }, { tag: "t1" }]) {
      const res = await api.post(`/vectors/indexes/${name}/search`, {
        queries: [query],
        k: 3,
        filter,
      });
      strategies.add(res.body.filter.strategy);
    }
    expect(strategies).toEqual(new Set(["graph", "scan"]));
    const deleted = await api.post(`/vectors/indexes/${name}/vectors/delete`, {
      ids: ["v3", "never"],
    });
    expect(deleted.body.deleted).toBe(1);

    const upload = await api.post("/vectors/uploads", { format: "npy" });
    const put = await fetch(upload.body.upload_url, {
      method: "PUT",
      body: encodeNpy(randomRows(20, 4, 9)),
    });
    expect(put.status).toBe(200);
    let job = (
      await api.post(`/vectors/indexes/${name}/imports`, {
        source: upload.body.source,
        format: "npy",
        id_prefix: "imp-",
      })
    ).body;
    for (let i = 0; i < 400 && job.status === "RUNNING"; i++) {
      await new Promise((r) => setTimeout(r, 50));
      job = (await api.get(`/vectors/indexes/${name}/imports/${job.import_id}`)).body;
    }
    expect(job.status).toBe("SUCCEEDED");

    const data = new Set(DATA_ROUTES.map((r) => r.id));
    const declared = Object.entries(ROUTE_SCHEMAS)
      .filter(([id, spec]) => data.has(id) && spec.response)
      .map(([id]) => id);
    expect(declared.length).toBeGreaterThanOrEqual(12);
    expect(declared.filter((id) => !checkedRoutes.has(id))).toEqual([]);
  });
});
