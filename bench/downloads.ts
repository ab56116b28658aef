import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { S3BlobStore } from "../src/adapters/s3-blob-store";
import { writeGraphPatch } from "../src/app/graph-patch";
import { downloadGraph } from "../src/app/graph-patch-apply";
import { buildToFile, catchUpGraph } from "../src/app/hnsw-tasks";
import { createClients } from "../src/clients";
import { mnistAll } from "./datasets";
import type { BenchStack } from "./mnist-stack";
import { median } from "./stats";

const ROUNDS = 9;

/**
 * The median time of a baseline and a candidate, run in {@link ROUNDS} interleaved rounds (the
 * order alternating), with `output` removed after each run.
 */
async function interleaved(
  baseline: () => Promise<unknown>,
  candidate: () => Promise<unknown>,
  output: string,
): Promise<{ baseline: number; candidate: number }> {
  const ways = { baseline, candidate };
  const ms = { baseline: [] as number[], candidate: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    const order =
      round % 2 === 0 ? (["baseline", "candidate"] as const) : (["candidate", "baseline"] as const);
    for (const way of order) {
      const started = performance.now();
      await ways[way]();
      ms[way].push(performance.now() - started);
      await rm(output, { force: true });
    }
  }
  return { baseline: median(ms.baseline), candidate: median(ms.candidate) };
}

/**
 * Downloads to a file (graphs, trial snapshots): ranged GETs in parallel, as shipped, against the
 * previous code path (one GET streamed to the file), on MNIST's 10,000 digits as Float32 bytes
 * (31 MB, about the graph the fresh bench catches up) and on 8 copies of them (251 MB), in
 * interleaved rounds.
 */
export async function benchDownloads(env: BenchStack): Promise<void> {
  const { settings } = env.services;
  const s3 = createClients(settings).s3;
  const blobs = new S3BlobStore(s3, settings.bucket);
  const all = mnistAll();
  const whole = Buffer.from(all.data.buffer, all.data.byteOffset, all.data.byteLength);
  const objects = [
    { key: "bench/downloads/mnist.f32", bytes: whole },
    { key: "bench/downloads/mnist-x8.f32", bytes: Buffer.concat(Array(8).fill(whole)) },
  ];
  const path = join(tmpdir(), "vectord-bench-download.bin");
  console.log(
    `\ndownloads to a file, the S3 emulator in this process: ranged GETs (8 MiB, 8 at once) vs one GET (the previous code path), median of ${ROUNDS} interleaved rounds`,
  );
  for (const { key, bytes } of objects) {
    await blobs.put(key, bytes, "application/octet-stream");
    const { baseline: single, candidate: ranged } = await interleaved(
      async () => {
        const body = (await blobs.getStream(key)) as Readable;
        await pipeline(body, createWriteStream(path, { highWaterMark: 1 << 20 }));
      },
      () => blobs.getToFile(key, path),
      path,
    );
    console.log(
      `  ${(bytes.byteLength / 1e6).toFixed(1)} MB: one GET ${single.toFixed(0)} ms, ranged ${ranged.toFixed(0)} ms -> ranged ÷ one GET ${(ranged / single).toFixed(2)}`,
    );
    await blobs.deleteKeys([key]);
  }
  await benchPatchedLoad(blobs, all);
}

/**
 * Loading a patched graph (what a search does after every catch-up): in slices of 8 MiB of base
 * records, each from ranged streams of its own, against one slice (the previous code path, and
 * what the default 64 MiB slices give this base: one stream of the base, one of the patch's
 * links), on 8,000 MNIST digits caught up with 2,000 (m=16, ef_construction=100, as the fresh
 * bench), in interleaved rounds.
 */
async function benchPatchedLoad(
  blobs: S3BlobStore,
  all: { dimension: number; data: Float32Array },
): Promise<void> {
  const { dimension } = all;
  const dir = tmpdir();
  const file = (name: string) => join(dir, `vectord-bench-patched-${name}`);
  const rows = (first: number, count: number) => ({
    data: all.data.subarray(first * dimension, (first + count) * dimension),
    dimension,
    rows: count,
  });
  buildToFile({
    rows: rows(0, 8000),
    metric: "l2",
    build: { m: 16, ef_construction: 100, seed: 42 },
    path: file("base"),
  });
  catchUpGraph({
    inPath: file("base"),
    outPath: file("graph"),
    metric: "l2",
    dimension,
    deleteLabels: new Int32Array(),
    add: rows(8000, 2000),
    firstLabel: 8000,
  });
  const patchBytes = await writeGraphPatch(file("graph"), 8000, file("patch"));
  const base = "bench/downloads/patched-base.hnsw";
  const ref = {
    graph_key: "bench/downloads/patched.patch",
    graph_base: { key: base, elements: 8000 },
  };
  await blobs.putFile(base, file("base"), "application/octet-stream");
  await blobs.putFile(ref.graph_key, file("patch"), "application/octet-stream");
  const { baseline: one, candidate: sliced } = await interleaved(
    () => downloadGraph(blobs, ref, file("made"), { sliceBytes: Number.POSITIVE_INFINITY }),
    () => downloadGraph(blobs, ref, file("made"), { sliceBytes: 8 << 20 }),
    file("made"),
  );
  console.log(
    `  a patched graph (a ${(patchBytes / 1e6).toFixed(1)} MB patch over a 26.3 MB base) loaded to a file: one slice ${one.toFixed(0)} ms, slices of 8 MiB ${sliced.toFixed(0)} ms -> sliced ÷ one ${(sliced / one).toFixed(2)}`,
  );
  await blobs.deleteKeys([base, ref.graph_key]);
  await Promise.all(["base", "graph", "patch"].map((n) => rm(file(n), { force: true })));
}
