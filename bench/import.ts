import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Api } from "../src/cli/api";
import { importFile } from "../src/cli/import-command";
import type { Output } from "../src/cli/output";
import { startLocalStack } from "../src/local/local-stack";
import { localTasks } from "../src/local/local-tasks";
import { encodeNpy } from "../test/support/vector-files";
import { mnistAll } from "./datasets";

const quiet: Output = { json: true, result: () => undefined, note: () => undefined };

/**
 * `vectord import` of 60,000 784-d vectors from one `.npy` on the local stack: the bulk path
 * (upload to the bucket, an import job writing segments in chunks) against the JSON API (the
 * CLI's batched, parallel upserts) in the same run. The `mnist` package holds 10,000 digits:
 * the file is them six times, each copy shifted by a small constant so every row is distinct.
 */
export async function benchImport(total = 60_000) {
  const { dimension, rows, data } = mnistAll();
  const matrix = Array.from({ length: total }, (_, r) => {
    const base = (r % rows) * dimension;
    const shift = Math.floor(r / rows) * 1e-3;
    return Float32Array.from(data.subarray(base, base + dimension), (x) => x + shift);
  });
  const dir = mkdtempSync(join(tmpdir(), "vectord-bench-import-"));
  const file = join(dir, "mnist-60k.npy");
  writeFileSync(file, encodeNpy(matrix));
  const stack = await startLocalStack();
  try {
    const api = new Api({ endpoint: stack.url });
    const run = async (index: string, bulk: "always" | "never") => {
      await api.call(
        api.client.PUT("/vectors/indexes/{index}", {
          params: { path: { index } },
          body: { dimension, metric: "l2" },
        }),
      );
      const summary = await importFile(api, quiet, file, {
        index,
        idPrefix: "",
        bulk,
        concurrency: 4,
        restart: true,
        harnessK: 10,
        harnessQueries: 0,
        progress: false,
      });
      const info = await api.call<{ count: number }>(
        api.client.GET("/vectors/indexes/{index}", { params: { path: { index } } }),
      );
      if (info.count !== total) throw new Error(`${index}: count ${info.count}, expected ${total}`);
      return summary;
    };
    console.log(
      `\nimport, ${total.toLocaleString()} x ${dimension}-d MNIST from one .npy (${((matrix.length * dimension * 4) / 2 ** 20) | 0} MiB), local stack`,
    );
    const json = await run("import-json", "never");
    // The JSON path's compactions finish before the bulk path is timed.
    await localTasks().drain();
    console.log(
      `  baseline, JSON API (CLI batches of ${Math.min(1000, Math.floor((6 * 2 ** 20) / (dimension * 12 + 200)))}, 4 in flight): ${json.seconds.toFixed(1)} s, ${json.vectors_per_second.toLocaleString()} vectors/s`,
    );
    const bulk = await run("import-bulk", "always");
    console.log(
      `  bulk import (upload + import job):            ${bulk.seconds.toFixed(1)} s, ${bulk.vectors_per_second.toLocaleString()} vectors/s (goal >= 20,000)`,
    );
    console.log(
      `  bulk / JSON: ${(bulk.vectors_per_second / json.vectors_per_second).toFixed(1)}x`,
    );
  } finally {
    await stack.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
