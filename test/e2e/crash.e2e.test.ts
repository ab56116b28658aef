import { describe, expect, it } from "vitest";
import { crashHelpers } from "../support/crashes";
import type { Client } from "../support/http";
import { useServerProcesses } from "../support/stacks";
import { encodeNpy } from "../support/vector-files";
import { randomVectors } from "../support/vectors";

// Jepsen-style: the local stack runs as a child process and is killed with SIGKILL at chosen
// points (failpoints hold the process there until the kill); then it restarts on the same data
// directory, and what survives is compared with what was acknowledged.

const servers = useServerProcesses("crash");

const { crashAt, restart } = crashHelpers(servers);

const batch = (i: number, prefix = "b") => randomVectors(20, 4, 100 + i, `${prefix}${i}-`);

/** Every acknowledged vector is stored with its values, and found by exact search. */
async function allPresent(api: Client, index: string, acked: { id: string; values: number[] }[]) {
  for (const row of acked) {
    const got = await api.get(`/vectors/indexes/${index}/vectors/${row.id}`);
    expect(got.status, row.id).toBe(200);
    expect(got.body.values.map(Math.fround)).toEqual(row.values.map(Math.fround));
  }
  for (const row of acked.filter((_, i) => i % 9 === 0)) {
    const res = await api.post(`/vectors/indexes/${index}/search`, {
      vector: row.values,
      k: 1,
      exact: true,
    });
    expect(res.body.results[0]).toMatchObject({ id: row.id, distance: 0 });
  }
}

async function createIndex(api: Client, name: string, maintenance?: Record<string, number>) {
  const res = await api.put(`/vectors/indexes/${name}`, {
    dimension: 4,
    metric: "l2",
    ...(maintenance ? { maintenance } : {}),
  });
  expect(res.status).toBe(201);
}

async function upsert(api: Client, index: string, rows: { id: string; values: number[] }[]) {
  const res = await api.post(`/vectors/indexes/${index}/vectors`, { vectors: rows });
  expect(res.status).toBe(200);
}

describe("crash during an upsert", () => {
  it("keeps every acknowledged write and nothing of the one in flight; its segment is swept", async () => {
    const acked = [...batch(0), ...batch(1), ...batch(2)];
    await crashAt(
      "upsert.segment-written@4",
      async (api) => {
        await createIndex(api, "up");
        for (let i = 0; i < 3; i++) await upsert(api, "up", batch(i));
      },
      (api) => api.post("/vectors/indexes/up/vectors", { vectors: batch(3) }),
    );
    const { server, api, storage } = await restart();
    expect((await api.get("/vectors/indexes/up")).body).toMatchObject({
      count: 60,
      data_version: 3,
    });
    await allPresent(api, "up", acked);
    for (const row of batch(3)) {
      expect((await api.get(`/vectors/indexes/up/vectors/${row.id}`)).status).toBe(404);
    }
    await storage.noOrphans("up");
    await server.stop();
  });

  it("keeps a committed but unanswered write whole, never half", async () => {
    await crashAt(
      "upsert.committed@3",
      async (api) => {
        await createIndex(api, "up2");
        for (let i = 0; i < 2; i++) await upsert(api, "up2", batch(i));
      },
      (api) => api.post("/vectors/indexes/up2/vectors", { vectors: batch(2) }),
    );
    const { server, api, storage } = await restart();
    expect((await api.get("/vectors/indexes/up2")).body.count).toBe(60);
    await allPresent(api, "up2", [...batch(0), ...batch(1), ...batch(2)]);
    await storage.noOrphans("up2");
    await server.stop();
  });
});

describe("crash during a compaction", () => {
  for (const point of ["compaction.merged-written", "compaction.swapped"] as const) {
    it(`loses nothing when killed at ${point}, and its leftovers are swept`, async () => {
      const name = point === "compaction.swapped" ? "cmp2" : "cmp1";
      const acked: { id: string; values: number[] }[] = [];
      await crashAt(
        point,
        async (api) => createIndex(api, name),
        // Four small writes make a run of one tier: the fourth starts the compaction task.
        async (api) => {
          for (let i = 0; i < 4; i++) {
            await upsert(api, name, batch(i, "c"));
            acked.push(...batch(i, "c"));
          }
        },
      );
      const { server, api, storage } = await restart();
      expect((await api.get(`/vectors/indexes/${name}`)).body.count).toBe(acked.length);
      await allPresent(api, name, acked);
      await storage.noOrphans(name);
      await server.stop();
    });
  }
});

describe("crash during an activation or a catch-up", () => {
  it("keeps the previous generation serving when an activation dies before its flip", async () => {
    await crashAt(
      "activation.generation-written@2",
      async (api) => {
        await createIndex(api, "act", { catch_up_fraction: 1 });
        // 40 in the graph, then 20 pending: under the catch-up threshold (100% of the graph), so
        // no catch-up races the activation that is killed.
        await upsert(api, "act", batch(0));
        await upsert(api, "act", batch(2));
        expect((await api.post("/vectors/hnsw/activate/act", {})).status).toBe(200);
        await upsert(api, "act", batch(1));
      },
      (api) =>
        api.post("/vectors/hnsw/activate/act", {
          default_config: { m: 8, ef_construction: 20, ef_search: 20 },
        }),
    );
    const { server, api, storage } = await restart();
    expect((await api.get("/vectors/indexes/act")).body.active.generation).toBe(1);
    const row = batch(1)[5] as { id: string; values: number[] };
    const res = await api.post("/vectors/indexes/act/search", { vector: row.values, k: 1 });
    expect(res.body).toMatchObject({ mode: "hnsw", generation: 1, pending_vectors: 20 });
    expect(res.body.results[0]).toMatchObject({ id: row.id, distance: 0 });
    await storage.noOrphans("act");
    // Activation works again.
    expect((await api.post("/vectors/hnsw/activate/act", {})).body.generation).toBe(2);
    await server.stop();
  });

  it("keeps the previous generation serving when a catch-up dies, and catches up later", async () => {
    await crashAt(
      "catchup.generation-written",
      async (api) => {
        await createIndex(api, "cu");
        for (let i = 0; i < 5; i++) await upsert(api, "cu", batch(i, "g"));
        expect((await api.post("/vectors/hnsw/activate/cu", {})).status).toBe(200);
      },
      // 20 pending vectors pass 5% of 100: the write starts the catch-up task.
      (api) => upsert(api, "cu", batch(5, "g")),
    );
    const { server, api, storage } = await restart();
    expect((await api.get("/vectors/indexes/cu")).body.active.generation).toBe(1);
    const row = batch(5, "g")[2] as { id: string; values: number[] };
    const res = await api.post("/vectors/indexes/cu/search", { vector: row.values, k: 1 });
    expect(res.body).toMatchObject({ generation: 1, pending_vectors: 20 });
    expect(res.body.results[0]).toMatchObject({ id: row.id, distance: 0 });
    await storage.noOrphans("cu");
    // Once the dead task's lease expires, the next write's catch-up runs.
    await new Promise((r) => setTimeout(r, 2100));
    await upsert(api, "cu", batch(6, "g"));
    await expect
      .poll(async () => (await api.get("/vectors/indexes/cu")).body.active.generation, {
        timeout: 20_000,
      })
      .toBe(2);
    const after = await api.post("/vectors/indexes/cu/search", { vector: row.values, k: 1 });
    expect(after.body).toMatchObject({ generation: 2, pending_vectors: 0 });
    await server.stop();
  });
});

describe("crash during an autotune", () => {
  const grid = [
    { ef_construction: 20, ef_search: 10, m: 8 },
    { ef_construction: 40, ef_search: 10, m: 8 },
  ];
  for (const point of ["autotune.planned", "autotune.group-built", "autotune.deciding"] as const) {
    it(`settles the job FAILED after its lease when killed at ${point}; the index tunes again`, async () => {
      const name = point.replace("autotune.", "at-");
      let jobId = "";
      await crashAt(
        point,
        async (api) => {
          await createIndex(api, name);
          for (let i = 0; i < 3; i++) await upsert(api, name, batch(i, "t"));
          await api.post(`/vectors/hnsw/evals/${name}-h/autogen`, {
            index_name: name,
            count: 5,
            k: 3,
          });
        },
        async (api) => {
          const res = await api.post("/vectors/hnsw/autotune", {
            index_name: name,
            harness: `${name}-h`,
            grid,
            min_recall: 0,
            wait_seconds: 0,
          });
          jobId = res.body.job_id;
        },
      );
      const { server, api } = await restart();
      await expect
        .poll(async () => (await api.get(`/vectors/hnsw/autotune/${jobId}`)).body.status, {
          timeout: 20_000,
        })
        .toBe("FAILED");
      expect((await api.get(`/vectors/hnsw/promoted/${name}`)).body.current).toBeNull();
      const again = await api.post("/vectors/hnsw/autotune", {
        index_name: name,
        harness: `${name}-h`,
        grid,
        min_recall: 0,
        wait_seconds: 25,
      });
      expect(again.body).toMatchObject({ status: "SUCCEEDED", promoted: true });
      await server.stop();
    });
  }
});

describe("crash during an import", () => {
  it("keeps the committed chunk whole, settles the job FAILED, and a re-run completes it", async () => {
    const rows = randomVectors(100, 4, 21).map((r) => r.values);
    let source = "";
    let importId = "";
    await crashAt(
      "import.chunk-committed",
      async (api) => {
        await createIndex(api, "imp");
        const upload = await api.post("/vectors/uploads", { format: "npy" });
        const put = await fetch(upload.body.upload_url, { method: "PUT", body: encodeNpy(rows) });
        expect(put.status).toBe(200);
        source = upload.body.source;
      },
      async (api) => {
        const res = await api.post("/vectors/indexes/imp/imports", { source, format: "npy" });
        importId = res.body.import_id;
      },
    );
    expect(importId).not.toBe("");
    const { server, api } = await restart();
    // The chunk's segment is in the catalog: all its rows, never some.
    expect((await api.get("/vectors/indexes/imp")).body.count).toBe(100);
    await expect
      .poll(async () => (await api.get(`/vectors/indexes/imp/imports/${importId}`)).body, {
        timeout: 20_000,
      })
      .toMatchObject({
        status: "FAILED",
        error: expect.stringMatching(/interrupted; run it again/),
      });
    const again = await api.post("/vectors/indexes/imp/imports", { source, format: "npy" });
    expect(again.status).toBe(202);
    await expect
      .poll(
        async () =>
          (await api.get(`/vectors/indexes/imp/imports/${again.body.import_id}`)).body.status,
        {
          timeout: 20_000,
        },
      )
      .toBe("SUCCEEDED");
    expect((await api.get("/vectors/indexes/imp")).body.count).toBe(100);
    const got = (await api.get("/vectors/indexes/imp/vectors/57")).body.values;
    expect(Float32Array.from(got)).toEqual(Float32Array.from(rows[57] as number[]));
    await server.stop();
  });
});
