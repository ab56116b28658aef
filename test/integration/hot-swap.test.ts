import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { ByteBudget } from "../../src/app/byte-budget";
import { Compactor } from "../../src/app/compactor";
import { GraphCache, type GraphCacheOptions } from "../../src/app/graph-cache";
import type { BlobStore } from "../../src/app/ports";
import { SearchService } from "../../src/app/search-service";
import { createClients } from "../../src/clients";
import { DEFAULT_COMPACTION } from "../../src/domain/compaction";
import { localTasks } from "../../src/local/local-tasks";
import { freshSearchHelpers } from "../support/fresh-search";
import { useLocalStack } from "../support/stacks";

// Hot swap: a search instance that holds a generation keeps serving it, exactly about every
// write, while a large new one loads; it never serves one whose deletions compaction may drop.

const env = useLocalStack();
const { api, activeIndex, blobs } = freshSearchHelpers(env);

/** Graph downloads: a whole file, or a patch's prefix and the ranges of its base and patch. */
const DOWNLOADS = new Set(["getToFile", "getStream", "getRange"]);

/** `inner` with `before()` awaited ahead of every graph download (fault injection). */
function onDownloads(inner: BlobStore, before: () => void | Promise<void>): BlobStore {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      if (!DOWNLOADS.has(String(prop))) return value.bind(target);
      return async (...args: unknown[]) => {
        await before();
        return value.apply(target, args);
      };
    },
  });
}

/** `blobs` with graph downloads held at a gate while `hold()`ed (fault injection). */
function gatedGraphs(inner: BlobStore) {
  let gate: Promise<void> | null = null;
  let open: () => void = () => undefined;
  let arrived: () => void = () => undefined;
  let arrival = new Promise<void>((r) => {
    arrived = r;
  });
  const store = onDownloads(inner, async () => {
    if (gate) {
      arrived();
      await gate;
    }
  });
  return {
    store,
    /** Holds every graph download from now on; `arrival` resolves when one reaches the gate. */
    hold() {
      gate = new Promise<void>((r) => {
        open = r;
      });
      arrival = new Promise<void>((r) => {
        arrived = r;
      });
    },
    arrival: () => arrival,
    release() {
      gate = null;
      open();
    },
  };
}

/** A search service like the handlers', over its own graph cache on `gated` downloads. */
function searchOver(store: BlobStore, options: GraphCacheOptions) {
  const deps = (
    env.services.search as unknown as { deps: ConstructorParameters<typeof SearchService>[0] }
  ).deps;
  const graphs = new GraphCache(store, options);
  return { graphs, service: new SearchService({ ...deps, graphs }) };
}

const ids = (r: { results: unknown[] }) => (r.results[0] as { id: string }[]).map((h) => h.id);

describe("hot swap", () => {
  it("serves the held generation while a large one loads, exact about every write, through a compaction", async () => {
    const rows = await activeIndex("swap", 120);
    const gated = gatedGraphs(blobs());
    const { graphs, service } = searchOver(gated.store, { backgroundLoadBytes: 0 });
    const search = (vector: number[], k = 5) => service.search("swap", { queries: [vector], k });
    expect(await search(rows[0]?.values as number[])).toMatchObject({ generation: 1 });

    // Writes before a catch-up: a new vector, a delete and a re-upsert, then the flip.
    const fresh = { id: "fresh", values: Array(8).fill(0.3), metadata: { tag: "new" } };
    const gone = rows[3] as { id: string; values: number[] };
    const moved = { id: rows[5]?.id as string, values: Array(8).fill(-0.6), metadata: { v: 2 } };
    expect(
      (await api.post("/vectors/indexes/swap/vectors", { vectors: [fresh, moved] })).status,
    ).toBe(200);
    expect((await api.delete(`/vectors/indexes/swap/vectors/${gone.id}`)).status).toBe(204);
    expect(await env.services.maintenance.catchUp("swap")).toMatchObject({ outcome: "caught_up" });

    // The new generation's graph does not arrive; more writes land after the flip.
    gated.hold();
    const later = { id: "later", values: Array(8).fill(0.9) };
    expect((await api.post("/vectors/indexes/swap/vectors", { vectors: [later] })).status).toBe(
      200,
    );
    const gone2 = rows[7] as { id: string; values: number[] };
    expect((await api.delete(`/vectors/indexes/swap/vectors/${gone2.id}`)).status).toBe(204);
    // Compaction merging the oldest segments after the flip: the deletions after the held
    // generation's data stay (the previous generation may still be served), so nothing it
    // merges can bring `gone` back.
    await localTasks().drain();
    const compactor = new Compactor({
      catalog: (env.services.vectors as unknown as { catalog: never }).catalog,
      segments: (env.services.vectors as unknown as { segments: never }).segments,
      leases: (env.services.compactor as unknown as { deps: { leases: never } }).deps.leases,
      policy: { ...DEFAULT_COMPACTION, fanout: 2 },
    });
    await compactor.run("swap");
    const record = await env.services.vectors.getIndex("swap");
    expect(record.active?.generation).toBe(2);
    // One segment holds every word: the last merge, from the oldest segment, came after the
    // flip (its inputs held the writes after it).
    expect(record.segments).toHaveLength(1);
    expect(record.segments[0]).toMatchObject({ min_version: 1, max_version: record.dataVersion });

    const atFresh = await search(fresh.values);
    expect(atFresh).toMatchObject({ mode: "hnsw", generation: 1, pending_vectors: 3 });
    expect(atFresh.results[0]?.[0]).toEqual({ id: "fresh", distance: 0, metadata: { tag: "new" } });
    expect((await search(moved.values)).results[0]?.[0]).toEqual({
      id: moved.id,
      distance: 0,
      metadata: { v: 2 },
    });
    expect((await search(later.values)).results[0]?.[0]).toMatchObject({
      id: "later",
      distance: 0,
    });
    const all = await search(gone.values, 200);
    expect(ids(all)).not.toContain(gone.id);
    expect(ids(all)).not.toContain(gone2.id);
    expect(new Set(ids(all)).size).toBe(120 + 2 - 2);
    // The held generation served without waiting: the new one's download is still at the gate.
    await gated.arrival();

    // Once the new generation has loaded, it serves, with the same answers.
    gated.release();
    const active = record.active;
    if (!active) throw new Error("no active generation");
    await graphs.get(record, active, { wait: true });
    const swapped = await search(fresh.values);
    expect(swapped).toMatchObject({ generation: 2, pending_vectors: 1 });
    expect(swapped.results[0]?.[0]).toEqual({ id: "fresh", distance: 0, metadata: { tag: "new" } });
    const allAfter = await search(gone.values, 200);
    expect(new Set(ids(allAfter))).toEqual(new Set(ids(all)));
  });

  it("waits for the new generation when the held one is two flips old, or the graph is small", async () => {
    const rows = await activeIndex("swap-wait", 60);
    const catchUpWith = async (id: string) => {
      await api.post("/vectors/indexes/swap-wait/vectors", {
        vectors: [{ id, values: Array(8).fill(id.length / 10) }],
      });
      expect(await env.services.maintenance.catchUp("swap-wait")).toMatchObject({
        outcome: "caught_up",
      });
    };
    for (const [options, flips] of [
      [{ backgroundLoadBytes: 0 }, 2],
      [{}, 1],
    ] as const) {
      const gated = gatedGraphs(blobs());
      const { service } = searchOver(gated.store, options);
      const search = () =>
        service.search("swap-wait", { queries: [rows[1]?.values as number[]], k: 3 });
      const before = (await search()) as { generation: number };
      for (let i = 0; i < flips; i++) await catchUpWith(`x${before.generation}-${i}`);
      gated.hold();
      let answered = false;
      const pending = search().then((r) => {
        answered = true;
        return r;
      });
      await gated.arrival();
      expect(answered).toBe(false);
      gated.release();
      expect(await pending).toMatchObject({ generation: before.generation + flips });
    }
  });

  it("sizes a generation recorded without its label count from the live count", async () => {
    const rows = await activeIndex("swap-legacy", 60);
    const gated = gatedGraphs(blobs());
    const { service } = searchOver(gated.store, { backgroundLoadBytes: 1 });
    const search = () =>
      service.search("swap-legacy", { queries: [rows[2]?.values as number[]], k: 3 });
    expect(await search()).toMatchObject({ generation: 1 });
    await api.post("/vectors/indexes/swap-legacy/vectors", {
      vectors: [{ id: "n1", values: Array(8).fill(0.2) }],
    });
    expect(await env.services.maintenance.catchUp("swap-legacy")).toMatchObject({
      outcome: "caught_up",
    });
    // The active pointer as a stack from before `labels` was kept wrote it.
    const { doc } = createClients(env.stack.settings);
    await doc.send(
      new UpdateCommand({
        TableName: env.stack.settings.tables.indexes,
        Key: { name: "swap-legacy" },
        UpdateExpression: "REMOVE #active.#labels",
        ExpressionAttributeNames: { "#active": "active", "#labels": "labels" },
      }),
    );
    gated.hold();
    // Sized as 61 live vectors (not as 0 bytes): the held generation answers while it loads.
    const held = await search();
    expect(held).toMatchObject({ generation: 1, pending_vectors: 1 });
    await gated.arrival();
    gated.release();
  });

  it("keeps loaded graphs within its budget, giving up the least recently searched index's", async () => {
    const names = ["keep-a", "keep-b", "keep-c"];
    const rows: { id: string; values: number[] }[][] = [];
    for (const name of names) rows.push(await activeIndex(name, 80));
    // Whole graphs here (none is patched): one getToFile per download.
    let downloads = 0;
    const counted = onDownloads(blobs(), () => {
      downloads++;
    });
    const probe = searchOver(counted, {});
    await probe.service.search("keep-a", { queries: [rows[0]?.[0]?.values as number[]], k: 1 });
    const one = probe.graphs.keptBytes();
    expect(one).toBeGreaterThan(0);

    const { graphs, service } = searchOver(counted, {
      budget: new ByteBudget(Math.floor(one * 2.5)),
    });
    downloads = 0;
    const search = async (i: number) => {
      const answer = await service.search(names[i] as string, {
        queries: [rows[i]?.[0]?.values as number[]],
        k: 1,
      });
      expect(answer.results[0]?.[0]).toMatchObject({ id: rows[i]?.[0]?.id, distance: 0 });
    };
    await search(0);
    await search(1);
    await search(0); // kept: no download
    expect(downloads).toBe(2);
    await search(2); // over the budget: b, searched least recently, gives its graph up
    expect(downloads).toBe(3);
    expect(graphs.keptBytes()).toBeLessThanOrEqual(Math.floor(one * 2.5));
    await search(0);
    await search(2);
    expect(downloads).toBe(3);
    await search(1); // loaded again
    expect(downloads).toBe(4);
  });
});
