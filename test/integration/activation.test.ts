import { afterEach, describe, expect, it, vi } from "vitest";
import { S3BlobStore } from "../../src/adapters/s3-blob-store";
import { ActivationService } from "../../src/app/activation-service";
import { GenerationBuilder, type GenerationBuilderDeps } from "../../src/app/generation-builder";
import { Generations } from "../../src/app/generations";
import { createClients } from "../../src/clients";
import { BUILTIN_DEFAULT_CONFIG } from "../../src/domain/promotion";
import { logger } from "../../src/logger";
import { createCatalog } from "../../src/wiring";
import { promotionHelpers } from "../support/promotions";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

const env = useLocalStack();
const api = env.api;
afterEach(() => {
  vi.restoreAllMocks();
});

const { indexWithTrials, promote } = promotionHelpers(env);

describe("activation and search", () => {
  it("activates with the promoted config, reusing the trial's graph, and logs one line", async () => {
    const [t] = await indexWithTrials("act", [25]);
    await promote("act", t as string);
    const info = vi.spyOn(logger, "info");
    const res = await api.post("/vectors/hnsw/activate/act", {});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      activation_id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      index_name: "act",
      generation: 1,
      config: { ef_construction: 20, ef_search: 25, m: 8, seed: 42 },
      config_source: "promoted",
      graph: "copied",
      graph_source: "snapshot",
      build_time_ms: 0,
      vectors_added: 0,
      vectors: 60,
      reused_snapshot: true,
    });
    expect(info.mock.calls.map((c) => c[0])).toEqual([
      `reusing HNSW snapshot trial=${t} ef_construction=20 ef_search=25 m=8 seed=42`,
    ]);

    // After new data, the same config catches the active graph up instead of rebuilding.
    await api.post("/vectors/indexes/act/vectors", {
      vectors: [{ id: "late", values: Array(8).fill(0.5) }],
    });
    info.mockClear();
    const rebuilt = await api.post("/vectors/hnsw/activate/act", {});
    expect(rebuilt.body).toMatchObject({
      generation: 2,
      config_source: "promoted",
      graph: "caught_up",
      graph_source: "active",
      vectors_added: 1,
      reused_snapshot: false,
      vectors: 61,
    });
    expect(info.mock.calls.map((c) => c[0])).toEqual([
      "reusing the active HNSW graph ef_construction=20 ef_search=25 m=8 seed=42, caught up: added=1 deleted=0",
    ]);

    const index = (await api.get("/vectors/indexes/act")).body;
    expect(index.active).toMatchObject({
      generation: 2,
      data_version: 2,
      config: { ef_search: 25 },
    });
  });

  it("uses the caller's default, then the built-in one, when nothing is promoted", async () => {
    await api.put("/vectors/indexes/plain", { dimension: 4, metric: "ip" });
    await upsertAll(api, "plain", randomVectors(30, 4, 3));
    const custom = { ef_construction: 40, ef_search: 20, m: 8, seed: 1 };
    const withDefault = await api.post("/vectors/hnsw/activate/plain", { default_config: custom });
    expect(withDefault.body).toMatchObject({
      config: custom,
      config_source: "default",
      generation: 1,
    });
    const builtin = await api.post("/vectors/hnsw/activate/plain", {});
    expect(builtin.body).toMatchObject({
      config: BUILTIN_DEFAULT_CONFIG,
      config_source: "default",
      generation: 2,
    });
    const bad = await api.post("/vectors/hnsw/activate/plain", {
      default_config: { ef_construction: 5, ef_search: 20 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/default_config\.ef_construction: got 5/);
  });

  it("searches the active graph, counts pending vectors, and serves exact on request", async () => {
    await api.put("/vectors/indexes/served", { dimension: 8, metric: "cosine" });
    const vectors = randomVectors(200, 8, 17);
    await upsertAll(api, "served", vectors);
    const before = await api.post("/vectors/indexes/served/search", {
      vector: vectors[3]?.values,
      k: 5,
    });
    expect(before.body.mode).toBe("exact");
    await api.post("/vectors/hnsw/activate/served", {
      default_config: { ef_construction: 100, ef_search: 100 },
    });
    const hnsw = await api.post("/vectors/indexes/served/search", {
      vector: vectors[3]?.values,
      k: 5,
    });
    expect(hnsw.body).toMatchObject({ mode: "hnsw", generation: 1, pending_vectors: 0 });
    expect(hnsw.body.config).toMatchObject({ ef_construction: 100, ef_search: 100 });
    expect(hnsw.body.results[0].id).toBe("v3");
    const exact = await api.post("/vectors/indexes/served/search", {
      vector: vectors[3]?.values,
      k: 5,
      exact: true,
    });
    expect(exact.body.mode).toBe("exact");
    expect(exact.body.results.map((r: { id: string }) => r.id)).toEqual(
      hnsw.body.results.map((r: { id: string }) => r.id),
    );
    const override = await api.post("/vectors/indexes/served/search", {
      vector: vectors[3]?.values,
      k: 5,
      ef_search: 10,
    });
    expect(override.status).toBe(200);
    const outOfBounds = await api.post("/vectors/indexes/served/search", {
      vector: vectors[3]?.values,
      ef_search: 5000,
    });
    expect(outOfBounds.status).toBe(400);

    await api.delete("/vectors/indexes/served/vectors/v3");
    const stale = await api.post("/vectors/indexes/served/search", {
      vector: vectors[3]?.values,
      k: 5,
    });
    expect(stale.body).toMatchObject({ mode: "hnsw", generation: 1, pending_vectors: 0 });
    expect(stale.body.results).toHaveLength(5);
    expect(stale.body.results.map((r: { id: string }) => r.id)).not.toContain("v3");
  });

  it("keeps a searcher in a loop error-free through an activation, then switches generation", async () => {
    await api.put("/vectors/indexes/swap", { dimension: 32, metric: "l2" });
    const vectors = randomVectors(3000, 32, 23);
    await upsertAll(api, "swap", vectors);
    await api.post("/vectors/hnsw/activate/swap", {
      default_config: { ef_construction: 20, ef_search: 20, m: 4 },
    });
    const seen: number[] = [];
    let activating = true;
    const searcher = (async () => {
      let i = 0;
      while (activating || seen.at(-1) !== 2) {
        const res = await api.post("/vectors/indexes/swap/search", {
          vector: vectors[i % 3000]?.values,
          k: 10,
        });
        expect(res.status).toBe(200);
        expect(res.body.mode).toBe("hnsw");
        expect(res.body.results).toHaveLength(10);
        seen.push(res.body.generation);
        i++;
      }
    })();
    const activation = await api.post("/vectors/hnsw/activate/swap", {
      default_config: { ef_construction: 300, ef_search: 60, m: 32 },
    });
    activating = false;
    await searcher;
    expect(activation.body.generation).toBe(2);
    expect(seen[0]).toBe(1);
    expect(seen.at(-1)).toBe(2);
    // Generations only move forward: once 2 is seen, 1 never comes back.
    expect(seen.slice(seen.indexOf(2)).every((g) => g === 2)).toBe(true);
    expect(seen.filter((g) => g === 1).length).toBeGreaterThan(1);
  });

  it("leaves the old generation serving when activation fails between the S3 write and the flip", async () => {
    await api.put("/vectors/indexes/crash", { dimension: 4, metric: "l2" });
    await upsertAll(api, "crash", randomVectors(40, 4, 5));
    await api.post("/vectors/hnsw/activate/crash", {});
    const clients = createClients(env.stack.settings);
    const blobs = new S3BlobStore(clients.s3, env.stack.settings.bucket);
    const catalog = createCatalog(env.stack.settings, clients);
    // Fault injection: the pointer flip fails after the graph is in S3.
    const failing = Object.assign(Object.create(catalog), {
      setActive: async () => {
        throw new Error("injected: process died before the flip");
      },
    }) as typeof catalog;
    const written: string[] = [];
    const recording = Object.assign(Object.create(blobs), {
      put: async (key: string, body: Uint8Array | string, type: string) => {
        written.push(key);
        return blobs.put(key, body, type);
      },
      putFile: async (key: string, path: string, type: string) => {
        written.push(key);
        return blobs.putFile(key, path, type);
      },
      copy: async (from: string, to: string) => {
        written.push(to);
        return blobs.copy(from, to);
      },
    }) as S3BlobStore;
    const generations = new Generations({ catalog: failing, blobs: recording });
    const activation = new ActivationService({
      blobs: recording,
      vectors: env.services.vectors,
      promotions: env.services.promotions,
      generations,
      builder: new GenerationBuilder({
        ...(env.services.builder as unknown as { deps: GenerationBuilderDeps }).deps,
        blobs: recording,
        generations,
      }),
      log: () => undefined,
    });
    await expect(activation.activate("crash")).rejects.toThrow("injected");
    expect(written.length).toBe(2);
    for (const key of written) expect(await blobs.get(key)).toBeUndefined();
    const res = await api.post("/vectors/indexes/crash/search", { vector: [0, 0, 0, 0], k: 3 });
    expect(res.body).toMatchObject({ mode: "hnsw", generation: 1 });
    expect((await api.get("/vectors/indexes/crash")).body.active.generation).toBe(1);
  });

  it("builds instead when the promoted trial's snapshot has expired", async () => {
    const [t] = await indexWithTrials("expired", [20]);
    await promote("expired", t as string);
    const snapshot = (await api.get(`/vectors/hnsw/trials/expired/${t}`)).body.snapshot_key;
    const clients = createClients(env.stack.settings);
    await new S3BlobStore(clients.s3, env.stack.settings.bucket).deleteKeys([snapshot]);
    const info = vi.spyOn(logger, "info");
    const res = await api.post("/vectors/hnsw/activate/expired", {});
    expect(res.body).toMatchObject({ config_source: "promoted", reused_snapshot: false });
    expect(info.mock.calls.map((c) => c[0])).toEqual([
      "built HNSW ef_construction=20 ef_search=20 m=8 seed=42",
    ]);
    expect(
      (await api.post("/vectors/indexes/expired/search", { vector: Array(8).fill(0) })).body.mode,
    ).toBe("hnsw");
  });

  it("keeps the active and the previous generation in S3 and deletes older ones", async () => {
    const [t] = await indexWithTrials("retire", [20]);
    const clients = createClients(env.stack.settings);
    const blobs = new S3BlobStore(clients.s3, env.stack.settings.bucket);
    const catalog = createCatalog(env.stack.settings, clients);
    const activeKeys = async () => {
      const active = (await catalog.get("retire"))?.active;
      return [active?.graph_key as string, active?.rows_key as string];
    };
    await promote("retire", t as string);
    await api.post("/vectors/hnsw/activate/retire", {}); // generation 1: a copy of the trial's graph
    const first = await activeKeys();
    expect(first[0]).toMatch(/\/generations\//);
    const snapshot = (await api.get(`/vectors/hnsw/trials/retire/${t}`)).body.snapshot_key;
    await api.post("/vectors/hnsw/activate/retire", {}); // 2
    const second = await activeKeys();
    await api.post("/vectors/hnsw/activate/retire", {}); // 3: generation 1 retires
    const third = await activeKeys();
    for (const key of first) expect(await blobs.get(key)).toBeUndefined();
    for (const key of [...second, ...third]) expect(await blobs.get(key)).toBeDefined();
    expect(await blobs.get(snapshot)).toBeDefined(); // the trial's own snapshot stays
    await api.post("/vectors/hnsw/activate/retire", {}); // 4: generation 2 retires
    const fourth = await activeKeys();
    for (const key of second) expect(await blobs.get(key)).toBeUndefined();
    for (const key of [...third, ...fourth]) expect(await blobs.get(key)).toBeDefined();
    const search = await api.post("/vectors/indexes/retire/search", {
      vector: Array(8).fill(0),
      k: 3,
    });
    expect(search.body).toMatchObject({ mode: "hnsw", generation: 4 });
  });

  it("refuses to activate an empty or unknown index", async () => {
    await api.put("/vectors/indexes/hollow", { dimension: 4, metric: "l2" });
    const empty = await api.post("/vectors/hnsw/activate/hollow", {});
    expect(empty.status).toBe(409);
    expect(empty.body.error.code).toBe("index_empty");
    expect((await api.post("/vectors/hnsw/activate/missing", {})).status).toBe(404);
  });
});
