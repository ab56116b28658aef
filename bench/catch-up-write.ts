import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildToFile, catchUpGraph } from "../src/app/hnsw-tasks";
import { mnistAll } from "./datasets";
import { median } from "./stats";

/** Rounds of each way (interleaved). */
const ROUNDS = 12;

/**
 * The catch-up task's own write of the caught-up graph, with its input kept on disk to the end
 * (the previous code path) vs removed before the write (`dropInput`, a downloaded input): the
 * task catches the 8,000-digit MNIST graph up with the other 2,000 on the calling thread. Each
 * round first writes the input afresh, as a download does. Timed: the task's wall time minus its
 * hnswlib time, plus removing a kept input after it (so both ways write the output and remove
 * the input). Medians, and the rounds over 40 ms.
 */
export function benchCatchUpWrite() {
  const { dimension, data } = mnistAll();
  const dir = mkdtempSync(join(tmpdir(), "vectord-bench-catch-up-write-"));
  const file = (name: string) => join(dir, name);
  try {
    const first = 8000;
    buildToFile({
      rows: { data: data.subarray(0, first * dimension), dimension, rows: first },
      metric: "l2",
      build: { m: 16, ef_construction: 100, seed: 42 },
      path: file("base"),
    });
    const add = { data: data.subarray(first * dimension), dimension, rows: 2000 };
    const writes = { kept: [] as number[], dropped: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const way of round % 2 === 0
        ? (["kept", "dropped"] as const)
        : (["dropped", "kept"] as const)) {
        copyFileSync(file("base"), file("input"));
        const started = performance.now();
        const done = catchUpGraph({
          inPath: file("input"),
          dropInput: way === "dropped",
          outPath: file("output"),
          metric: "l2",
          dimension,
          deleteLabels: new Int32Array(),
          add,
          firstLabel: first,
        });
        // A kept input is removed after the task, as the download's owner did before.
        rmSync(file("input"), { force: true });
        writes[way].push(performance.now() - started - done.timeMs);
        rmSync(file("output"));
      }
    }
    const slow = (xs: number[]) => xs.filter((x) => x > 40).length;
    console.log(
      `\ncatch-up task: writing the caught-up graph (33 MB) and removing the input (26 MB), ${ROUNDS} interleaved rounds each`,
    );
    for (const [way, xs] of Object.entries(writes)) {
      console.log(
        `  input ${way.padEnd(7)}: median ${median(xs).toFixed(1)} ms, over 40 ms in ${slow(xs)} of ${xs.length} (${xs.map((x) => x.toFixed(0)).join(" ")})`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
