import { expect } from "vitest";
import { S3BlobStore } from "../../src/adapters/s3-blob-store";
import { IdDirectoryBuilder } from "../../src/app/id-directory-builder";
import { SegmentStore } from "../../src/app/segment-store";
import { DEFAULT_COMPACTION } from "../../src/domain/compaction";
import { SIMD_UNAVAILABLE } from "../../src/domain/scan-kernel";
import { createCatalog } from "../../src/wiring";
import { randomVectors } from "../support/vectors";
import { type DeployedCalls, PKG } from "./deployed-calls";

// A chapter of the deployed packages' journey (./packages.test.ts).

/**
 * Writes, the compaction they start, and reads: by id, by page, and an exact search (on the SIMD
 * kernel). Returns the vectors written as `v0`, `v1`, ... and their dimension.
 */
export async function writesAndReads(calls: DeployedCalls) {
  const { api, settledTask, host } = calls;
  const index = PKG;
  // 64-d: wide enough that a catch-up of a few vectors is stored as a patch (see below).
  const dimension = 64;
  expect((await api("PutIndex", { ...index, body: { dimension, metric: "l2" } })).status).toBe(201);
  const vectors = randomVectors(300, dimension, 7);
  const upsert = await api("UpsertVectors", { ...index, body: { vectors } });
  expect(upsert).toMatchObject({ status: 200, body: { count: 300 } });
  // Three more writes leave four small segments: the last write starts a compaction, an
  // asynchronous invocation of the CompactIndex bundle, which merges them.
  for (const extra of randomVectors(3, dimension, 17, "c")) {
    expect((await api("UpsertVectors", { ...index, body: { vectors: [extra] } })).status).toBe(200);
  }
  expect(await settledTask("CompactIndex")).toMatchObject({ merges: 1 });
  expect((await api("GetIndex", index)).body.count).toBe(303);
  expect((await api("ListIndexes")).body.indexes).toHaveLength(1);
  expect((await api("GetVector", { params: { index: "pkg", id: "v3" } })).body.id).toBe("v3");
  const got = await api("GetVectors", { ...index, body: { ids: ["v4", "none", "v3"] } });
  expect(got.body.vectors.map((v: { id: string }) => v.id)).toEqual(["v4", "v3"]);
  expect(got.body.not_found).toEqual(["none"]);
  // Every id, over pages, after the merge.
  expect(await listedIds(api)).toHaveLength(303);
  const exact = await api("Search", { ...index, body: { vector: vectors[5]?.values, k: 3 } });
  expect(exact.body.mode).toBe("exact");
  expect(exact.body.results[0]).toMatchObject({ id: "v5", distance: 0 });
  // The bundle scanned on its WebAssembly SIMD kernel, not the scalar fallback.
  expect(host.logsOf("Search")).not.toContain(SIMD_UNAVAILABLE);

  expect((await api("GetVector", { params: { index: "pkg", id: "c2" } })).body.id).toBe("c2");
  return { vectors, dimension };
}

/**
 * An id directory over every segment of the index (built in-process: the deployed compaction
 * builds one only over segments past 16 MiB), then the deployed writers and readers answering
 * through it: a re-upsert (the count stays), a delete of an id never written (404), reads by id
 * and pages of ids. Leaves the data as it was.
 */
export async function writesThroughIdDirectory(calls: DeployedCalls, data: WrittenData) {
  const { settings, clients, api } = calls;
  const blobs = new S3BlobStore(clients.s3, settings.bucket);
  const builder = new IdDirectoryBuilder({
    catalog: createCatalog(settings, clients, blobs),
    segments: new SegmentStore(blobs),
    blobs,
    // Every segment counts as full: the directory covers them all.
    policy: { ...DEFAULT_COMPACTION, maxSegmentBytes: 1 },
  });
  expect(await builder.run("pkg")).toMatchObject({ live: 303 });
  const again = { vectors: [data.vectors[9]] };
  const upsert = await api("UpsertVectors", { ...PKG, body: again });
  expect(upsert).toMatchObject({ status: 200, body: { count: 303 } });
  const missing = await api("DeleteVector", { params: { index: "pkg", id: "never-written" } });
  expect(missing.status).toBe(404);
  const got = await api("GetVectors", { ...PKG, body: { ids: ["v8", "none", "c1"] } });
  expect(got.body.vectors.map((v: { id: string }) => v.id)).toEqual(["v8", "c1"]);
  // Pages of ids from the directory's names.
  expect(await listedIds(api)).toHaveLength(303);
}

/** Every id of the journey's index, over pages of 100. */
async function listedIds(api: DeployedCalls["api"]): Promise<string[]> {
  const listed: string[] = [];
  let next_token: string | undefined;
  do {
    const query = { limit: "100", ...(next_token ? { next_token } : {}) };
    const page = await api("ListVectors", { ...PKG, query });
    listed.push(...page.body.ids);
    next_token = page.body.next_token;
  } while (next_token);
  return [...new Set(listed)];
}

/** What {@link writesAndReads} wrote. */
export type WrittenData = Awaited<ReturnType<typeof writesAndReads>>;
