import { describe, expect, it } from "vitest";
import { ActivationService, type ActivationServiceDeps } from "../../src/app/activation-service";
import { GenerationBuilder } from "../../src/app/generation-builder";
import { Generations } from "../../src/app/generations";
import type { BlobStore } from "../../src/app/ports";
import type { HnswConfig } from "../../src/domain/hnsw-config";
import { localTasks } from "../../src/local/local-tasks";
import { freshSearchHelpers } from "../support/fresh-search";
import { gatedRunner } from "../support/gated-runner";
import { storedKeys } from "../support/objects";
import { useLocalStack } from "../support/stacks";
import { randomVectors } from "../support/vectors";

// The graph catching up with the data: on its own, under writers and searches, or instead rebuilt.

const env = useLocalStack();
const { api, search, activeIndex, maintenanceWith, builderDeps, runner, blobs } =
  freshSearchHelpers(env);

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
    const { runner: slowRunner, inside, release } = gatedRunner(runner(), "catchUp");
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
    const generations = builderDeps().generations as unknown as {
      deps: ConstructorParameters<typeof Generations>[0];
    };
    const broken = maintenanceWith({
      blobs: failing,
      generations: new Generations({ ...generations.deps, blobs: failing }),
    });
    const keys = async () =>
      (await storedKeys(env.stack.settings, "indexes/fails")).filter((k) =>
        k.includes("/generations/"),
      );
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

describe("an activation overtaken by a catch-up", () => {
  /**
   * Activates `name` with `config` through a builder whose `step` waits until the caller has
   * written 10 vectors and run a catch-up that flips them in (newer data than the activation
   * read); then checks the activation served `config` over all of them, as generation 3.
   */
  async function overtaken(name: string, config: HnswConfig, step: "build" | "catchUp") {
    await activeIndex(name, 100);
    await api.post(`/vectors/indexes/${name}/vectors`, { vectors: randomVectors(5, 8, 3, "p") });
    const { runner: slowRunner, inside, release } = gatedRunner(runner(), step);
    const deps = (env.services.activation as unknown as { deps: ActivationServiceDeps }).deps;
    const activation = new ActivationService({
      ...deps,
      builder: new GenerationBuilder({ ...builderDeps(), runner: slowRunner }),
      log: () => undefined,
    });
    const activating = activation.activate(name, config);
    await inside;
    const late = randomVectors(10, 8, 9, "late");
    await api.post(`/vectors/indexes/${name}/vectors`, { vectors: late });
    expect(await env.services.maintenance.catchUp(name)).toMatchObject({ outcome: "caught_up" });
    release();
    const result = await activating;
    expect(result).toMatchObject({ generation: 3, config, vectors: 115 });
    const index = (await api.get(`/vectors/indexes/${name}`)).body;
    expect(index.active).toMatchObject({ generation: 3, config });
    expect(index.active.data_version).toBe(index.data_version);
    const hit = await search(name, late[4]?.values as number[], 1);
    expect(hit).toMatchObject({ generation: 3, pending_vectors: 0 });
    expect(hit.results[0]).toMatchObject({ id: late[4]?.id, distance: 0 });
    return result;
  }

  it("with a new config: catches its own graph up with the newer data and flips", async () => {
    const m12 = { m: 12, ef_construction: 40, ef_search: 40, seed: 1 };
    expect(await overtaken("overtaken-new", m12, "build")).toMatchObject({ graph: "built" });
  });

  it("with the active config: follows the graph the catch-up flipped, and flips", async () => {
    // The same graph as the active one (m, ef_construction, seed), a new ef_search.
    const same = { m: 8, ef_construction: 40, ef_search: 60, seed: 1 };
    expect(await overtaken("overtaken-same", same, "catchUp")).toMatchObject({
      graph: "caught_up",
      graph_source: "active",
    });
  });
});
