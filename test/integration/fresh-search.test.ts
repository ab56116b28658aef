import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { GenerationBuilder, type GenerationBuilderDeps } from "../../src/app/generation-builder";
import { Generations } from "../../src/app/generations";
import { GraphMaintenance, type GraphMaintenanceDeps } from "../../src/app/graph-maintenance";
import type { HnswRunner } from "../../src/app/hnsw-runner";
import type { BlobStore } from "../../src/app/ports";
import { createClients } from "../../src/clients";
import { localTasks } from "../../src/local/local-tasks";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

// Read-your-writes on the HNSW path, and the graph catching up with the data.

const env = useLocalStack();
const api = env.api;

type Hit = { id: string; distance: number; metadata: Record<string, unknown> | null };

async function search(index: string, vector: number[], k = 5) {
  const res = await api.post(`/vectors/indexes/${index}/search`, { vector, k });
  expect(res.status).toBe(200);
  return res.body as {
    mode: string;
    generation: number;
    pending_vectors: number;
    results: Hit[];
  };
}

/** An `l2` index of `count` random vectors with an active graph; catch-up off unless asked. */
async function activeIndex(
  name: string,
  count: number,
  maintenance: Record<string, number> = { catch_up_fraction: 1, catch_up_max_pending: 1_000_000 },
) {
  const created = await api.put(`/vectors/indexes/${name}`, {
    dimension: 8,
    metric: "l2",
    maintenance,
  });
  expect(created.status).toBe(201);
  const rows = randomVectors(count, 8, count + name.length);
  await upsertAll(api, name, rows);
  const activated = await api.post(`/vectors/hnsw/activate/${name}`, {
    default_config: { m: 8, ef_construction: 40, ef_search: 40, seed: 1 },
  });
  expect(activated.status).toBe(200);
  return rows;
}

/** The catch-up task over a builder with `override`s (fault injection). */
function maintenanceWith(override: Partial<GenerationBuilderDeps>): GraphMaintenance {
  const deps = (env.services.maintenance as unknown as { deps: GraphMaintenanceDeps }).deps;
  const builderDeps = (env.services.builder as unknown as { deps: GenerationBuilderDeps }).deps;
  return new GraphMaintenance({
    ...deps,
    builder: new GenerationBuilder({ ...builderDeps, ...override }),
  });
}
const runner = () => env.services.runner;
const blobs = () => (env.services.builder as unknown as { deps: GenerationBuilderDeps }).deps.blobs;

describe("read-your-writes with an active graph", () => {
  it("finds an upsert, a re-upsert's new values and metadata, and never a deleted id", async () => {
    const rows = await activeIndex("ryw", 200);
    // A new vector: the query is the vector itself.
    const fresh = { id: "new", values: Array(8).fill(0.25), metadata: { tag: "fresh" } };
    expect((await api.post("/vectors/indexes/ryw/vectors", { vectors: [fresh] })).status).toBe(200);
    const found = await search("ryw", fresh.values);
    expect(found).toMatchObject({ mode: "hnsw", generation: 1, pending_vectors: 1 });
    expect(found.results[0]).toEqual({ id: "new", distance: 0, metadata: { tag: "fresh" } });

    // A re-upsert: new values and metadata; the old values are gone.
    const old = rows[7] as { id: string; values: number[] };
    const moved = { id: old.id, values: Array(8).fill(-0.75), metadata: { tag: "moved" } };
    await api.post("/vectors/indexes/ryw/vectors", { vectors: [moved] });
    const atNew = await search("ryw", moved.values);
    expect(atNew.pending_vectors).toBe(2);
    expect(atNew.results[0]).toEqual({ id: old.id, distance: 0, metadata: { tag: "moved" } });
    const atOld = await search("ryw", old.values, 10);
    expect(atOld.results.filter((h) => h.id === old.id).length).toBeLessThanOrEqual(1);
    expect(atOld.results[0]?.distance).toBeGreaterThan(0);
    for (const hit of atOld.results.filter((h) => h.id === old.id)) {
      expect(hit.metadata).toEqual({ tag: "moved" });
    }

    // Metadata only (same values): the graph's row answers with the current metadata.
    const same = rows[9] as { id: string; values: number[] };
    await api.post("/vectors/indexes/ryw/vectors", {
      vectors: [{ ...same, metadata: { tag: "relabelled" } }],
    });
    expect((await search("ryw", same.values)).results[0]).toEqual({
      id: same.id,
      distance: 0,
      metadata: { tag: "relabelled" },
    });

    // A delete, of a graph row and of a pending one.
    const gone = rows[11] as { id: string; values: number[] };
    expect((await api.delete(`/vectors/indexes/ryw/vectors/${gone.id}`)).status).toBe(204);
    expect((await api.delete("/vectors/indexes/ryw/vectors/new")).status).toBe(204);
    const afterDelete = await search("ryw", gone.values, 200);
    expect(afterDelete.results.map((h) => h.id)).not.toContain(gone.id);
    expect(afterDelete.results.map((h) => h.id)).not.toContain("new");
    expect(afterDelete.results).toHaveLength(199);
    expect(new Set(afterDelete.results.map((h) => h.id)).size).toBe(199);

    // Catching up changes none of the answers, and leaves nothing pending.
    expect(await env.services.maintenance.catchUp("ryw")).toMatchObject({
      outcome: "caught_up",
      added: 2,
      deleted: 3,
    });
    const caughtUp = await search("ryw", moved.values);
    expect(caughtUp).toMatchObject({ generation: 2, pending_vectors: 0 });
    expect(caughtUp.results[0]).toEqual({ id: old.id, distance: 0, metadata: { tag: "moved" } });
    expect((await search("ryw", same.values)).results[0]?.metadata).toEqual({ tag: "relabelled" });
    const all = await search("ryw", gone.values, 200);
    expect(all.results).toHaveLength(199);
    expect(all.results.map((h) => h.id)).not.toContain(gone.id);
    const index = (await api.get("/vectors/indexes/ryw")).body;
    expect(index.active).toMatchObject({ generation: 2, labels: 202, deleted_labels: 3 });
  });

  it("keeps exact and HNSW answers for a query equal to a pending vector in agreement", async () => {
    await activeIndex("agree", 100);
    const extra = randomVectors(30, 8, 99, "x");
    await api.post("/vectors/indexes/agree/vectors", { vectors: extra });
    for (const row of extra.slice(0, 5)) {
      const hnsw = await search("agree", row.values, 3);
      const exact = (
        await api.post("/vectors/indexes/agree/search", { vector: row.values, k: 3, exact: true })
      ).body;
      expect(hnsw.results[0]).toEqual(exact.results[0]);
      expect(hnsw.pending_vectors).toBe(30);
    }
  });
});

describe("catch-up", () => {
  it("starts on its own once pending vectors pass 5% of the graph, and folds them in", async () => {
    await activeIndex("auto", 200, {});
    // 9 pending vectors stay under 5% of 200: no catch-up.
    await api.post("/vectors/indexes/auto/vectors", { vectors: randomVectors(9, 8, 5, "a") });
    await localTasks().drain();
    expect((await api.get("/vectors/indexes/auto")).body.active.generation).toBe(1);
    // The 10th reaches it.
    const tenth = randomVectors(1, 8, 6, "b")[0] as { id: string; values: number[] };
    await api.post("/vectors/indexes/auto/vectors", { vectors: [tenth] });
    await localTasks().drain();
    const index = (await api.get("/vectors/indexes/auto")).body;
    expect(index.active).toMatchObject({ generation: 2, data_version: index.data_version });
    const hit = await search("auto", tenth.values, 1);
    expect(hit).toMatchObject({ generation: 2, pending_vectors: 0 });
    expect(hit.results[0]).toMatchObject({ id: tenth.id, distance: 0 });
  });

  it("loses nothing from writers running concurrently with catch-ups", async () => {
    const rows = await activeIndex("busy", 300, { catch_up_fraction: 0.01 });
    const writers = Array.from({ length: 4 }, (_, w) => randomVectors(60, 8, 200 + w, `w${w}-`));
    const deletes = rows.slice(0, 20).map((r) => r.id);
    await Promise.all([
      ...writers.map(async (batch) => {
        for (let i = 0; i < batch.length; i += 10) {
          const res = await api.post("/vectors/indexes/busy/vectors", {
            vectors: batch.slice(i, i + 10),
          });
          expect(res.status).toBe(200);
        }
      }),
      (async () => {
        for (const id of deletes) {
          expect((await api.delete(`/vectors/indexes/busy/vectors/${id}`)).status).toBe(204);
        }
      })(),
    ]);
    // Everything acknowledged is found, before and after the catch-ups settle.
    const check = async () => {
      for (const row of writers.flat().filter((_, i) => i % 7 === 0)) {
        expect((await search("busy", row.values, 1)).results[0]).toMatchObject({
          id: row.id,
          distance: 0,
        });
      }
      const everything = await search("busy", rows[50]?.values as number[], 1000);
      const ids = new Set(everything.results.map((h) => h.id));
      expect(ids.size).toBe(300 - 20 + 240);
      for (const id of deletes) expect(ids.has(id)).toBe(false);
    };
    await check();
    await localTasks().drain();
    await env.services.maintenance.catchUp("busy");
    const index = (await api.get("/vectors/indexes/busy")).body;
    expect(index.count).toBe(520);
    expect(index.active.generation).toBeGreaterThan(2);
    expect(index.active.data_version).toBe(index.data_version);
    expect((await search("busy", rows[60]?.values as number[], 1)).pending_vectors).toBe(0);
    await check();
  });

  it("serves searches without error through catch-ups, switching generations forward", async () => {
    const rows = await activeIndex("swap", 300, { catch_up_fraction: 0.02 });
    let writing = true;
    const seen: number[] = [];
    const searcher = (async () => {
      while (writing) {
        const res = await search("swap", rows[3]?.values as number[], 3);
        expect(res.results[0]).toMatchObject({ id: rows[3]?.id, distance: 0 });
        seen.push(res.generation);
      }
    })();
    const sees = async (generation: number) => {
      while (!seen.includes(generation)) await new Promise((r) => setTimeout(r, 5));
    };
    await sees(1);
    for (let i = 0; i < 4; i++) {
      // Each write passes 2% of the graph: a catch-up runs while the searcher keeps searching.
      await api.post("/vectors/indexes/swap/vectors", {
        vectors: randomVectors(10, 8, 300 + i, `s${i}-`),
      });
      await localTasks().drain();
      await sees(i + 2);
    }
    writing = false;
    await searcher;
    expect([...new Set(seen)]).toEqual([1, 2, 3, 4, 5]);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
    }
  });

  it("rebuilds instead once deleted labels would pass 20% of the graph", async () => {
    const rows = await activeIndex("threshold", 100);
    const replace = (from: number, to: number) =>
      api.post("/vectors/indexes/threshold/vectors", {
        vectors: rows.slice(from, to).map((r) => ({ id: r.id, values: r.values.map((x) => -x) })),
      });
    // 15 replaced rows: 15 deleted labels of 115, 13%: caught up.
    await replace(0, 15);
    expect(await env.services.maintenance.catchUp("threshold")).toMatchObject({
      outcome: "caught_up",
      added: 15,
      deleted: 15,
    });
    expect((await api.get("/vectors/indexes/threshold")).body.active).toMatchObject({
      labels: 115,
      deleted_labels: 15,
    });
    // 15 more: 30 of 130, 23%: built in full, with no deleted labels.
    await replace(15, 30);
    expect(await env.services.maintenance.catchUp("threshold")).toMatchObject({
      outcome: "built",
    });
    expect((await api.get("/vectors/indexes/threshold")).body.active).toMatchObject({
      labels: 100,
      deleted_labels: 0,
    });
    const negated = (rows[20] as { values: number[] }).values.map((x) => -x);
    expect((await search("threshold", negated, 1)).results[0]).toMatchObject({
      id: rows[20]?.id,
      distance: 0,
    });
    // A higher threshold set on the index keeps catching up.
    await api.put("/vectors/indexes/threshold", {
      dimension: 8,
      metric: "l2",
      maintenance: { rebuild_deleted_fraction: 0.5 },
    });
    await replace(30, 60);
    expect(await env.services.maintenance.catchUp("threshold")).toMatchObject({
      outcome: "caught_up",
      deleted: 30,
    });
  });

  it("never undoes an activation that flipped while it ran", async () => {
    await activeIndex("race", 100);
    await api.post("/vectors/indexes/race/vectors", { vectors: randomVectors(10, 8, 7, "r") });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let started: () => void = () => undefined;
    const inside = new Promise<void>((r) => {
      started = r;
    });
    const slowRunner: HnswRunner = {
      ...runner(),
      catchUp: async (task) => {
        started();
        await gate;
        return runner().catchUp(task);
      },
    };
    const slow = maintenanceWith({ runner: slowRunner });
    const running = slow.catchUp("race");
    await inside;
    const activated = await api.post("/vectors/hnsw/activate/race", {
      default_config: { m: 12, ef_construction: 40, ef_search: 40, seed: 1 },
    });
    expect(activated.body).toMatchObject({ generation: 2, graph: "built" });
    release();
    expect(await running).toEqual({ outcome: "superseded" });
    expect((await api.get("/vectors/indexes/race")).body.active).toMatchObject({
      generation: 2,
      config: { m: 12 },
    });
  });

  it("leaves nothing behind and keeps serving when a catch-up fails", async () => {
    await activeIndex("fails", 100);
    const extra = randomVectors(10, 8, 8, "f");
    await api.post("/vectors/indexes/fails/vectors", { vectors: extra });
    const failing = Object.assign(Object.create(blobs()), {
      putFile: async () => {
        throw new Error("injected: the upload failed");
      },
    }) as BlobStore;
    const generations = (env.services.builder as unknown as { deps: GenerationBuilderDeps }).deps
      .generations as unknown as { deps: ConstructorParameters<typeof Generations>[0] };
    const broken = maintenanceWith({
      blobs: failing,
      generations: new Generations({ ...generations.deps, blobs: failing }),
    });
    const clients = createClients(env.stack.settings);
    const keys = async () =>
      (
        (
          await clients.s3.send(
            new ListObjectsV2Command({
              Bucket: env.stack.settings.bucket,
              Prefix: "indexes/fails",
            }),
          )
        ).Contents ?? []
      )
        .map((o) => o.Key as string)
        .filter((k) => k.includes("/generations/"))
        .sort();
    const before = await keys();
    await expect(broken.catchUp("fails")).rejects.toThrow("injected");
    expect(await keys()).toEqual(before);
    const hit = await search("fails", extra[2]?.values as number[], 1);
    expect(hit).toMatchObject({ generation: 1, pending_vectors: 10 });
    expect(hit.results[0]).toMatchObject({ id: extra[2]?.id, distance: 0 });
    // The lease was released: the next catch-up runs.
    expect(await env.services.maintenance.catchUp("fails")).toMatchObject({ outcome: "caught_up" });
  });
});

describe("the graph file kept on a warm instance", () => {
  it("lets the next catch-up read the graph this instance wrote instead of downloading it", async () => {
    const rows = await activeIndex("warm", 200);
    const store = blobs() as unknown as {
      getToFile: (key: string, path: string) => Promise<boolean>;
    };
    const original = store.getToFile;
    const downloads: string[] = [];
    store.getToFile = (key, path) => {
      downloads.push(key);
      return original.call(store, key, path);
    };
    try {
      const index = await env.services.vectors.getIndex("warm");
      // The activation in this process wrote the active graph: it is kept.
      expect(env.services.graphFiles.keys()).toEqual([index.active?.graph_key]);
      await upsertAll(api, "warm", randomVectors(20, 8, 77, "w"));
      expect((await env.services.maintenance.catchUp("warm")).outcome).toBe("caught_up");
      expect(downloads).toEqual([]);
      const caughtUp = await env.services.vectors.getIndex("warm");
      expect(env.services.graphFiles.keys()).toEqual([caughtUp.active?.graph_key]);
      // Another instance (nothing kept) downloads it.
      await env.services.graphFiles.clear();
      await upsertAll(api, "warm", randomVectors(20, 8, 78, "x"));
      expect((await env.services.maintenance.catchUp("warm")).outcome).toBe("caught_up");
      expect(downloads).toEqual([caughtUp.active?.graph_key]);
      // Either way the answers are right.
      const hit = await search("warm", rows[3]?.values as number[], 1);
      expect(hit.results[0]?.id).toBe(rows[3]?.id);
    } finally {
      store.getToFile = original;
    }
  });
});

describe("activation catches up instead of rebuilding", () => {
  it("catches up the active graph under the same m, ef_construction and seed", async () => {
    await activeIndex("same", 100);
    await api.post("/vectors/indexes/same/vectors", { vectors: randomVectors(5, 8, 9, "n") });
    const res = await api.post("/vectors/hnsw/activate/same", {
      default_config: { m: 8, ef_construction: 40, ef_search: 80, seed: 1 },
    });
    expect(res.body).toMatchObject({
      generation: 2,
      graph: "caught_up",
      graph_source: "active",
      vectors_added: 5,
      vectors: 105,
      config: { ef_search: 80 },
    });
    // Nothing new: the graph is copied, with the new ef_search.
    const again = await api.post("/vectors/hnsw/activate/same", {
      default_config: { m: 8, ef_construction: 40, ef_search: 20, seed: 1 },
    });
    expect(again.body).toMatchObject({ generation: 3, graph: "copied", build_time_ms: 0 });
    // Another m is another graph.
    const other = await api.post("/vectors/hnsw/activate/same", {
      default_config: { m: 16, ef_construction: 40, ef_search: 20, seed: 1 },
    });
    expect(other.body).toMatchObject({ generation: 4, graph: "built", graph_source: "new" });
  });

  it("reuses a promoted snapshot that predates the data and catches it up", async () => {
    await api.put("/vectors/indexes/stale", { dimension: 8, metric: "l2" });
    const rows = randomVectors(120, 8, 77);
    await upsertAll(api, "stale", rows);
    await api.post("/vectors/hnsw/evals/stale-h/autogen", { index_name: "stale", count: 5, k: 3 });
    const trial = await api.post("/vectors/hnsw/trial", {
      index_name: "stale",
      harness: "stale-h",
      config: { ef_construction: 40, ef_search: 30, m: 8 },
    });
    await api.post(`/vectors/hnsw/promote/stale/${trial.body.trial_id}`);
    // After the trial: a new vector, a replaced one, a deleted one.
    const added = { id: "late", values: Array(8).fill(0.5), metadata: { n: 1 } };
    const replaced = { id: rows[4]?.id as string, values: Array(8).fill(-0.5), metadata: { n: 2 } };
    await api.post("/vectors/indexes/stale/vectors", { vectors: [added, replaced] });
    await api.delete(`/vectors/indexes/stale/vectors/${rows[6]?.id}`);
    const res = await api.post("/vectors/hnsw/activate/stale", {});
    expect(res.body).toMatchObject({
      generation: 1,
      graph: "caught_up",
      graph_source: "snapshot",
      reused_snapshot: true,
      vectors_added: 2,
      vectors: 120,
    });
    const index = (await api.get("/vectors/indexes/stale")).body;
    expect(index.active).toMatchObject({ labels: 122, deleted_labels: 2 });
    expect((await search("stale", added.values, 1)).results[0]).toEqual({
      id: "late",
      distance: 0,
      metadata: { n: 1 },
    });
    expect((await search("stale", replaced.values, 1)).results[0]).toEqual({
      id: replaced.id,
      distance: 0,
      metadata: { n: 2 },
    });
    const wide = await search("stale", rows[6]?.values as number[], 200);
    expect(wide).toMatchObject({ pending_vectors: 0 });
    expect(wide.results).toHaveLength(120);
    expect(wide.results.map((h) => h.id)).not.toContain(rows[6]?.id);
  });
});

describe("maintenance settings", () => {
  it("validates them at the edge, naming the field", async () => {
    const res = await api.put("/vectors/indexes/settings", {
      dimension: 4,
      metric: "l2",
      maintenance: { catch_up_fraction: 0, rebuild_deleted_fraction: 2 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(
      /maintenance\.catch_up_fraction: got 0, expected a number from 0\.001 to 1/,
    );
    const unknown = await api.put("/vectors/indexes/settings", {
      dimension: 4,
      metric: "l2",
      maintenance: { catch_up_every: 3 },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/catch_up_every/);
    expect((await api.get("/vectors/indexes/settings")).status).toBe(404);
  });

  it("shows the effective settings and updates only the fields given", async () => {
    await api.put("/vectors/indexes/tuned", { dimension: 4, metric: "l2" });
    expect((await api.get("/vectors/indexes/tuned")).body.maintenance).toEqual({
      catch_up_fraction: 0.05,
      catch_up_max_pending: 10_000,
      rebuild_deleted_fraction: 0.2,
    });
    const updated = await api.put("/vectors/indexes/tuned", {
      dimension: 4,
      metric: "l2",
      maintenance: { catch_up_max_pending: 500 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.maintenance).toEqual({
      catch_up_fraction: 0.05,
      catch_up_max_pending: 500,
      rebuild_deleted_fraction: 0.2,
    });
    await api.put("/vectors/indexes/tuned", {
      dimension: 4,
      metric: "l2",
      maintenance: { catch_up_fraction: 0.1 },
    });
    expect((await api.get("/vectors/indexes/tuned")).body.maintenance).toEqual({
      catch_up_fraction: 0.1,
      catch_up_max_pending: 500,
      rebuild_deleted_fraction: 0.2,
    });
  });
});
