import { describe, expect, it } from "vitest";
import type { ImportStore } from "../../src/app/work-ports";
import { useLocalStack } from "../support/stacks";
import { encodeNpy, encodeVecs } from "../support/vector-files";
import { randomVectors } from "../support/vectors";

// Bulk import from the service's bucket: upload, start, poll; chunks are whole or absent.

const env = useLocalStack();
const api = env.api;

async function upload(format: string, bytes: Uint8Array): Promise<string> {
  const created = await api.post("/vectors/uploads", { format });
  expect(created.status).toBe(201);
  const put = await fetch(created.body.upload_url, { method: "PUT", body: bytes });
  expect(put.status).toBe(200);
  return created.body.source;
}

async function importFile(index: string, format: string, bytes: Uint8Array, idPrefix = "") {
  const source = await upload(format, bytes);
  const started = await api.post(`/vectors/indexes/${index}/imports`, {
    source,
    format,
    id_prefix: idPrefix,
  });
  expect(started.status).toBe(202);
  expect(started.body.status).toBe("RUNNING");
  let job = started.body;
  for (let i = 0; i < 400 && job.status === "RUNNING"; i++) {
    await new Promise((r) => setTimeout(r, 50));
    job = (await api.get(`/vectors/indexes/${index}/imports/${job.import_id}`)).body;
  }
  return job;
}

async function createIndex(name: string, dimension: number) {
  expect((await api.put(`/vectors/indexes/${name}`, { dimension, metric: "l2" })).status).toBe(201);
}

const count = async (index: string) => (await api.get(`/vectors/indexes/${index}`)).body.count;

describe("bulk import", () => {
  it("imports an .npy file: every row under its deterministic id, with its values", async () => {
    await createIndex("bulk-npy", 8);
    const rows = randomVectors(500, 8, 3).map((r) => r.values);
    const job = await importFile("bulk-npy", "npy", encodeNpy(rows), "row-");
    expect(job).toMatchObject({
      status: "SUCCEEDED",
      rows_total: 500,
      rows_done: 500,
      error: null,
    });
    expect(await count("bulk-npy")).toBe(500);
    const got = await api.get("/vectors/indexes/bulk-npy/vectors/row-417");
    expect(got.status).toBe(200);
    expect(Float32Array.from(got.body.values)).toEqual(Float32Array.from(rows[417] as number[]));
    const hit = await api.post("/vectors/indexes/bulk-npy/search", { vector: rows[9], k: 1 });
    expect(hit.body.results[0]).toMatchObject({ id: "row-9", distance: 0 });
  });

  it("imports .fvecs and .bvecs; running an import again upserts the same ids", async () => {
    await createIndex("bulk-vecs", 4);
    const floats = randomVectors(300, 4, 5).map((r) => r.values);
    expect(await importFile("bulk-vecs", "fvecs", encodeVecs(floats, "fvecs"))).toMatchObject({
      status: "SUCCEEDED",
    });
    expect(await importFile("bulk-vecs", "fvecs", encodeVecs(floats, "fvecs"))).toMatchObject({
      status: "SUCCEEDED",
    });
    expect(await count("bulk-vecs")).toBe(300);
    const bytes = Array.from({ length: 50 }, (_, r) => [r, 255 - r, 7, 0]);
    expect(await importFile("bulk-vecs", "bvecs", encodeVecs(bytes, "bvecs"), "b")).toMatchObject({
      status: "SUCCEEDED",
      rows_done: 50,
    });
    expect(await count("bulk-vecs")).toBe(350);
    expect((await api.get("/vectors/indexes/bulk-vecs/vectors/b3")).body.values).toEqual([
      3, 252, 7, 0,
    ]);
  });

  it("fails a file of the wrong dimension or with a bad row, naming it, and writes nothing", async () => {
    await createIndex("bulk-bad", 8);
    const wrong = await importFile(
      "bulk-bad",
      "npy",
      encodeNpy(randomVectors(10, 6, 1).map((r) => r.values)),
    );
    expect(wrong.status).toBe("FAILED");
    expect(wrong.error).toMatch(/\.npy: rows have 6 values; index "bulk-bad" has dimension 8/);
    const rows = randomVectors(40, 8, 2).map((r) => r.values);
    (rows[23] as number[])[5] = Number.NaN;
    const bad = await importFile("bulk-bad", "npy", encodeNpy(rows));
    expect(bad.status).toBe("FAILED");
    expect(bad.error).toMatch(/row 23/);
    // A row whose norm would overflow a distance, named alike (checked against the index).
    const huge = randomVectors(40, 8, 3).map((r) => r.values);
    huge[31] = huge[31]?.map(() => 1e19) as number[];
    const far = await importFile("bulk-bad", "npy", encodeNpy(huge));
    expect(far.status).toBe("FAILED");
    expect(far.error).toMatch(
      /\.npy: row 31: its norm 2\.8e19 is too large: distances would overflow 32-bit floats/,
    );
    expect(await count("bulk-bad")).toBe(0);
    expect((await api.get("/vectors/indexes/bulk-bad")).body.data_version).toBe(0);
  });

  it("counts a chunk retried after its commit once", async () => {
    await createIndex("bulk-retry", 4);
    const rows = randomVectors(30, 4, 9).map((r) => r.values);
    const job = await importFile("bulk-retry", "npy", encodeNpy(rows), "r");
    expect(job).toMatchObject({ status: "SUCCEEDED", rows_done: 30, chunks_done: 1 });
    // The workflow retries a chunk whose first run committed but never reported (a timeout):
    // run the same chunk again on a job still running.
    const tasks = env.services.importTasks;
    const input = {
      import_id: "01M8C00000000000000000RTRY",
      index_name: "bulk-retry",
      index_uid: job.index_uid as string,
      source_key: job.source.replace(/^s3:\/\/[^/]+\//, ""),
      format: "npy" as const,
      id_prefix: "r",
    };
    const store = (env.services.imports as unknown as { deps: { imports: ImportStore } }).deps
      .imports;
    await store.create({
      ...job,
      ...input,
      status: "RUNNING",
      rows_done: 0,
      chunks_done: 0,
      source: job.source,
    });
    const plan = await tasks.plan(input);
    const chunk = {
      ...input,
      layout: plan.layout,
      chunk: plan.chunks[0] as { from: number; to: number },
    };
    await tasks.chunk(chunk);
    await tasks.chunk(chunk);
    expect(await store.get(input.import_id)).toMatchObject({ rows_done: 30, chunks_done: 1 });
    expect(await count("bulk-retry")).toBe(30);
    // The index deleted and created again: a late chunk of the old job writes nothing to the new
    // one, and says why.
    expect((await api.delete("/vectors/indexes/bulk-retry")).status).toBe(204);
    await createIndex("bulk-retry", 4);
    await expect(tasks.chunk(chunk)).rejects.toThrow(
      'index "bulk-retry" was deleted while this ran; the index of that name now is a new one, left untouched',
    );
    expect(await count("bulk-retry")).toBe(0);
  });

  it("refuses sources outside the service's uploads area and missing uploads", async () => {
    await createIndex("bulk-refuse", 4);
    const outside = await api.post("/vectors/indexes/bulk-refuse/imports", {
      source: "s3://someone-else/data.npy",
      format: "npy",
    });
    expect(outside.status).toBe(400);
    expect(outside.body.error.message).toMatch(/source: got s3:\/\/someone-else\/data.npy/);
    const created = await api.post("/vectors/uploads", { format: "npy" });
    const missing = await api.post("/vectors/indexes/bulk-refuse/imports", {
      source: created.body.source,
      format: "npy",
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("upload_not_found");
    const noIndex = await api.post("/vectors/indexes/nope/imports", {
      source: created.body.source,
      format: "npy",
    });
    expect(noIndex.status).toBe(404);
    const format = await api.post("/vectors/uploads", { format: "csv" });
    expect(format.status).toBe(400);
    expect(format.body.error.message).toMatch(
      /format: got "csv", expected one of npy, fvecs, bvecs/,
    );
  });
});
