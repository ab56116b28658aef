import { describe, expect, it } from "vitest";
import { incarnationParents } from "../../infra/storage";
import { S3BlobStore } from "../../src/adapters/s3-blob-store";
import { Housekeeping } from "../../src/app/housekeeping";
import { IndexDeletion } from "../../src/app/index-deletion";
import type { BackgroundTasks } from "../../src/app/work-ports";
import { createClients } from "../../src/clients";
import { localTasks } from "../../src/local/local-tasks";
import { useLocalStack } from "../support/stacks";
import { indexWithHarness, randomVectors, upsertAll } from "../support/vectors";

// Deleting an index removes its catalog record in the request and its objects in the purge
// task (as many as the index is large); the hourly housekeeping purges what a crash left.

const env = useLocalStack();
const api = env.api;
const CONFIG = { m: 8, ef_construction: 40, ef_search: 40, seed: 1 };

function blobs() {
  const { settings } = env.stack;
  return new S3BlobStore(createClients(settings).s3, settings.bucket);
}

/** The uids with objects under index `name`'s prefixes (segments, generations, trial graphs). */
async function incarnationsOf(name: string): Promise<string[]> {
  const store = blobs();
  const lists = await Promise.all(incarnationParents(name).map((p) => store.listChildren(p)));
  return [...new Set(lists.flat())].sort();
}

/** An index with segments, an active generation and a trial graph; its uid. */
async function storedIndex(name: string): Promise<string> {
  await indexWithHarness(api, name, { count: 40, dimension: 8, seed: name.length, queries: 3 });
  const trial = await api.post("/vectors/hnsw/trial", {
    index_name: name,
    harness: `${name}-h`,
    config: CONFIG,
  });
  expect(trial.status).toBe(201);
  expect((await api.post(`/vectors/hnsw/activate/${name}`, {})).status).toBe(200);
  const { uid } = await env.services.vectors.getIndex(name);
  const store = blobs();
  // Objects in all three areas: segments and generations, and the trial's graph.
  const keys = (await store.list(`indexes/${name}/${uid}/`)).map((o) => o.key);
  expect(keys.some((k) => k.includes("/segments/"))).toBe(true);
  expect(keys.some((k) => k.includes("/generations/"))).toBe(true);
  expect((await store.list(`_hnsw_snapshots/${name}/${uid}/`)).length).toBeGreaterThan(0);
  return uid;
}

/** The stack's deletion, with its tasks replaced. */
function deletionWith(tasks: BackgroundTasks) {
  const deps = (
    env.services.deletion as unknown as { deps: ConstructorParameters<typeof IndexDeletion>[0] }
  ).deps;
  return new IndexDeletion({ ...deps, tasks });
}

describe("index deletion", () => {
  it("removes the objects in the purge task, not the request; a re-created index keeps its own", async () => {
    const old = await storedIndex("pg-life");
    // The request: the record goes, the objects stay until the task runs.
    const started: string[] = [];
    await deletionWith({
      start: async (task, name) => {
        started.push(`${task}:${name}`);
      },
    }).delete("pg-life");
    expect(started).toEqual(["purge:pg-life"]);
    expect((await api.get("/vectors/indexes/pg-life")).status).toBe(404);
    expect(await incarnationsOf("pg-life")).toEqual([old]);

    // Created again, with data, before the purge runs: only the dead incarnation goes.
    await api.put("/vectors/indexes/pg-life", { dimension: 8, metric: "l2" });
    const vectors = randomVectors(12, 8, 5, "n");
    await upsertAll(api, "pg-life", vectors);
    const { uid: now } = await env.services.vectors.getIndex("pg-life");
    expect(await incarnationsOf("pg-life")).toEqual([now, old].sort());
    expect(await env.services.purger.purge("pg-life")).toBeGreaterThan(0);
    expect(await incarnationsOf("pg-life")).toEqual([now]);
    const hit = await api.post("/vectors/indexes/pg-life/search", {
      vector: vectors[4]?.values,
      k: 1,
    });
    expect(hit.body.results[0]).toMatchObject({ id: "n4", distance: 0 });
    // Nothing dead is left: purging again removes nothing.
    expect(await env.services.purger.purge("pg-life")).toBe(0);
  });

  it("purges through the API: DELETE starts the task, and every object of the index goes", async () => {
    await storedIndex("pg-api");
    expect((await api.delete("/vectors/indexes/pg-api")).status).toBe(204);
    await localTasks().drain();
    expect(await incarnationsOf("pg-api")).toEqual([]);
    expect(await env.services.purger.withDeadIncarnations()).not.toContain("pg-api");
  });

  it("answers the delete when the purge cannot start, and the hourly housekeeping purges what it left", async () => {
    const old = await storedIndex("pg-crash");
    await deletionWith({
      start: async () => {
        throw new Error("Lambda is unavailable");
      },
    }).delete("pg-crash");
    expect((await api.get("/vectors/indexes/pg-crash")).status).toBe(404);
    expect(await incarnationsOf("pg-crash")).toEqual([old]);
    expect(await env.services.purger.withDeadIncarnations()).toContain("pg-crash");

    // A live index with no dead incarnation is compacted, not purged.
    await api.put("/vectors/indexes/pg-live", { dimension: 4, metric: "l2" });
    await upsertAll(api, "pg-live", randomVectors(3, 4, 9));
    const housekeeping = new Housekeeping({
      vectors: env.services.vectors,
      tasks: env.services.tasks,
      purger: env.services.purger,
      sweepMinutes: 0,
    });
    const swept = await housekeeping.onSchedule(new Date(), 5);
    expect(swept.purging).toContain("pg-crash");
    expect(swept.purging).not.toContain("pg-live");
    expect(swept.compacting).toContain("pg-live");
    await localTasks().drain();
    expect(await incarnationsOf("pg-crash")).toEqual([]);
    expect((await incarnationsOf("pg-live")).length).toBe(1);
  });
});
