import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { GenerationBuilderDeps } from "../../src/app/generation-builder";
import type { Generations } from "../../src/app/generations";
import { graphFileHeader } from "../../src/app/graph-patch";
import { downloadGraph } from "../../src/app/graph-patch-apply";
import { OrphanSweeper } from "../../src/app/orphan-sweeper";
import type { IndexCatalog } from "../../src/app/ports";
import type { ActiveGeneration } from "../../src/domain/index-record";
import { localTasks } from "../../src/local/local-tasks";
import { storedObjects } from "../support/objects";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

// Catch-ups stored as patches over the graph they came from, and the base kept while needed.

const env = useLocalStack();
const api = env.api;
const DIMENSION = 64;
const CONFIG = { m: 8, ef_construction: 40, ef_search: 40, seed: 1 };
const builderDeps = () => (env.services.builder as unknown as { deps: GenerationBuilderDeps }).deps;
const blobs = () => builderDeps().blobs;
const catalog = () =>
  (builderDeps().generations as unknown as { deps: { catalog: IndexCatalog } }).deps.catalog;

/** Sizes of the stored objects under an index's generations, by key. */
async function generationObjects(index: string): Promise<Map<string, number>> {
  const listed = await storedObjects(env.stack.settings, `indexes/${index}`);
  return new Map(
    listed
      .filter((o) => (o.Key as string).includes("/generations/"))
      .map((o) => [o.Key as string, o.Size as number]),
  );
}

async function activeOf(index: string): Promise<ActiveGeneration> {
  const active = (await env.services.vectors.getIndex(index)).active;
  if (!active) throw new Error(`${index} has no active generation`);
  return active;
}

async function activeIndex(name: string, count: number) {
  await api.put(`/vectors/indexes/${name}`, {
    dimension: DIMENSION,
    metric: "l2",
    maintenance: { catch_up_fraction: 1, catch_up_max_pending: 1_000_000 },
  });
  const rows = randomVectors(count, DIMENSION, count, `${name}-`);
  await upsertAll(api, name, rows);
  const res = await api.post(`/vectors/hnsw/activate/${name}`, { default_config: CONFIG });
  expect(res.status).toBe(200);
  return rows;
}

async function catchUpWith(index: string, vectors: { id: string; values: number[] }[]) {
  await upsertAll(api, index, vectors);
  await localTasks().drain();
  expect((await env.services.maintenance.catchUp(index)).outcome).toBe("caught_up");
  return activeOf(index);
}

async function nearest(index: string, vector: number[]) {
  const res = await api.post(`/vectors/indexes/${index}/search`, { vector, k: 1 });
  expect(res.status).toBe(200);
  return res.body as { pending_vectors: number; results: { id: string; distance: number }[] };
}

describe("a catch-up stored as a patch", () => {
  it("is a fraction of the graph, and made whole it is the graph the catch-up wrote", async () => {
    await activeIndex("patched", 300);
    const first = await activeOf("patched");
    const added = randomVectors(30, DIMENSION, 9, "new-");
    const second = await catchUpWith("patched", added);
    expect(second.graph_base).toEqual({ key: first.graph_key, elements: 300 });
    const sizes = await generationObjects("patched");
    const patch = sizes.get(second.graph_key) as number;
    expect(patch).toBeLessThan(0.5 * (sizes.get(first.graph_key) as number));
    // This instance kept the file it wrote: the base and the patch make exactly that file.
    const kept = env.services.graphFiles.acquire(second.graph_key) as string;
    const made = join(tmpdir(), `vectord-patch-made-${Date.now()}.hnsw`);
    try {
      expect(await downloadGraph(blobs(), second, made)).toBe(true);
      expect(readFileSync(made).equals(readFileSync(kept))).toBe(true);
      // In slices of 7 base elements, each from ranged streams of its own, 3 at once.
      const { recordBytes } = await graphFileHeader(kept);
      const sliced = { sliceBytes: 7 * recordBytes, concurrency: 3 };
      expect(await downloadGraph(blobs(), second, made, sliced)).toBe(true);
      expect(readFileSync(made).equals(readFileSync(kept))).toBe(true);
      // A missing base or patch is reported, not half made.
      const gone = { key: `${first.graph_key}.gone`, elements: 300 };
      expect(await downloadGraph(blobs(), { ...second, graph_base: gone }, made)).toBe(false);
      expect(await downloadGraph(blobs(), { ...second, graph_key: "nothing" }, made)).toBe(false);
    } finally {
      await env.services.graphFiles.release(second.graph_key);
      rmSync(made, { force: true });
    }
    // Searches load the patched generation and find every new vector in the graph itself.
    for (const v of added.slice(0, 5)) {
      const hit = await nearest("patched", v.values);
      expect(hit.pending_vectors).toBe(0);
      expect(hit.results[0]).toEqual(expect.objectContaining({ id: v.id, distance: 0 }));
    }
  });

  it("is stored whole instead once the patch would pass half the graph", async () => {
    await activeIndex("doubled", 200);
    // 190 onto 200 (200 would start a catch-up on its own: the threshold is all of the graph).
    const grown = await catchUpWith("doubled", randomVectors(190, DIMENSION, 10, "more-"));
    expect(grown.graph_base).toBeUndefined();
  });
});

describe("the base of patched generations", () => {
  it("is patched by later catch-ups on any instance, kept while referenced, then retired", async () => {
    await activeIndex("chain", 300);
    const base = await activeOf("chain");
    const second = await catchUpWith("chain", randomVectors(20, DIMENSION, 11, "a-"));
    // Another instance: nothing kept, so it downloads the base and the patch and makes the graph.
    await env.services.graphFiles.clear();
    const third = await catchUpWith("chain", randomVectors(20, DIMENSION, 12, "b-"));
    expect(second.graph_base?.key).toBe(base.graph_key);
    expect(third.graph_base).toEqual({ key: base.graph_key, elements: 300 });
    expect(
      await nearest("chain", randomVectors(20, DIMENSION, 12, "b-")[4]?.values as number[]),
    ).toMatchObject({ pending_vectors: 0, results: [{ id: "b-4", distance: 0 }] });
    // The first generation is two flips old: its label map went, its graph stays as the base,
    // and the orphan sweep (no grace) keeps it too.
    let stored = await generationObjects("chain");
    expect(stored.has(base.rows_key)).toBe(false);
    expect(stored.has(base.graph_key)).toBe(true);
    const sweeper = new OrphanSweeper({ catalog: catalog(), blobs: blobs(), graceMs: 0 });
    await sweeper.sweep("chain");
    expect((await generationObjects("chain")).has(base.graph_key)).toBe(true);
    // Two activations of other configs (whole graphs): once neither the active generation nor
    // the previous one patches the base, it is deleted with the last generation that did.
    for (const seed of [2, 3]) {
      const res = await api.post("/vectors/hnsw/activate/chain", {
        default_config: { ...CONFIG, seed },
      });
      expect(res.status).toBe(200);
    }
    stored = await generationObjects("chain");
    expect(stored.has(base.graph_key)).toBe(false);
    expect(stored.has(third.graph_key)).toBe(false);
    const now = await activeOf("chain");
    expect([...stored.keys()].sort()).toEqual(
      [now.graph_key, now.rows_key, now.previous?.graph_key, now.previous?.rows_key].sort(),
    );
  });

  it("must still be kept by the generation a patch replaces, else the flip is refused", async () => {
    await activeIndex("refused", 100);
    const record = await env.services.vectors.getIndex("refused");
    const generations = builderDeps().generations as Generations;
    await expect(
      generations.flip(
        record,
        { graphKey: "indexes/refused/generations/x.hnsw", rowsKey: "indexes/refused/x.json" },
        CONFIG,
        record.dataVersion,
        { base: { key: "indexes/refused/generations/gone.hnsw", elements: 100 } },
      ),
    ).rejects.toMatchObject({ code: "generation_replaced" });
    expect((await activeOf("refused")).generation).toBe(1);
  });
});
