import { basename } from "node:path";
import type { Metric } from "../domain/metric";
import { importId } from "../domain/vector-files";
import { CliError, EXIT } from "./output";
import { badFile, type VectorSource } from "./readers";

type H5 = typeof import("h5wasm/node");
type Dataset = import("h5wasm/node").Dataset;

/** The metric of an ann-benchmarks file's `distance` attribute. */
const METRIC_OF: Record<string, Metric> = {
  euclidean: "l2",
  angular: "cosine",
  dot: "ip",
  ip: "ip",
  cosine: "cosine",
  l2: "l2",
};

/**
 * An ann-benchmarks HDF5 file (`train`, `test`, `neighbors`, `distances`, attribute `distance`),
 * read with h5wasm by slices of rows: a file is never loaded whole.
 */
export class Hdf5File {
  private constructor(
    private readonly file: InstanceType<H5["File"]>,
    readonly name: string,
  ) {}

  /**
   * Opens an HDF5 file (ann-benchmarks' layout: `train`, `test`, `neighbors`); a usage error naming
   * the file when it is not one.
   */
  static async open(path: string): Promise<Hdf5File> {
    const h5 = await import("h5wasm/node");
    await h5.ready;
    let file: InstanceType<H5["File"]>;
    try {
      file = new h5.File(path, "r");
    } catch (err) {
      throw badFile(`${basename(path)}: not an HDF5 file (${(err as Error).message})`);
    }
    return new Hdf5File(file, basename(path));
  }

  /** The metric the file's `distance` attribute names, if any. */
  metric(): Metric | undefined {
    const attrs = this.file.attrs;
    const distance = attrs.distance ? String(this.file.get_attribute("distance", true)) : undefined;
    return distance ? METRIC_OF[distance.toLowerCase()] : undefined;
  }

  /** A 2-d dataset (`train`, `test`, `neighbors`). */
  private matrix(key: string): { dataset: Dataset; rows: number; columns: number } {
    const dataset = this.file.get(key) as Dataset | null;
    const shape = dataset?.shape;
    if (!dataset || !shape || shape.length !== 2) {
      throw badFile(
        `${this.name}: expected a 2-d dataset "${key}" (ann-benchmarks layout: train, test, neighbors, distances)`,
      );
    }
    return { dataset, rows: shape[0] as number, columns: shape[1] as number };
  }

  /** Rows `[from, to)` of a dataset as Float32 values, row-major; refuses non-finite values. */
  private rowsOf(key: string, from: number, to: number): Float32Array {
    const { dataset, columns } = this.matrix(key);
    const data = dataset.slice([[from, to], []]) as ArrayLike<number | bigint>;
    const out = new Float32Array((to - from) * columns);
    for (let i = 0; i < out.length; i++) {
      const x = Number(data[i]);
      if (!Number.isFinite(Math.fround(x))) {
        const row = from + Math.floor(i / columns);
        throw badFile(
          `${this.name}: ${key} row ${row}, value ${i % columns}: got ${x}, expected a finite number`,
        );
      }
      out[i] = x;
    }
    return out;
  }

  /** `train` as a vector source; row r gets id `${prefix}${r}`. */
  train(prefix: string): VectorSource {
    const { rows, columns } = this.matrix("train");
    return {
      name: this.name,
      rows,
      dimension: columns,
      batches: (size, skip) => this.trainBatches(rows, columns, prefix, size, skip),
      close: async () => {
        this.file.close();
      },
    };
  }

  private async *trainBatches(
    rows: number,
    columns: number,
    prefix: string,
    size: number,
    skip?: (first: number) => boolean,
  ) {
    for (let first = 0; first < rows; first += size) {
      if (skip?.(first)) continue;
      const to = Math.min(rows, first + size);
      const values = this.rowsOf("train", first, to);
      yield {
        first,
        records: Array.from({ length: to - first }, (_, r) => ({
          id: importId(prefix, first + r),
          values: values.subarray(r * columns, (r + 1) * columns),
        })),
      };
    }
  }

  /**
   * Harness queries from `test`, with the file's `neighbors` (rows of `train`) as ground truth:
   * the first `limit` queries, each with its first `k` neighbors as ids `${prefix}${row}`.
   */
  harnessQueries(prefix: string, k: number, limit: number) {
    const test = this.matrix("test");
    const neighbors = this.matrix("neighbors");
    if (neighbors.rows !== test.rows) {
      throw badFile(`${this.name}: neighbors has ${neighbors.rows} rows; test has ${test.rows}`);
    }
    if (neighbors.columns < k) {
      throw new CliError(
        `${this.name}: neighbors holds ${neighbors.columns} per query; --k ${k} needs at least ${k}`,
        EXIT.usage,
      );
    }
    const count = Math.min(limit, test.rows);
    const vectors = this.rowsOf("test", 0, count);
    const ids = neighbors.dataset.slice([[0, count], []]) as ArrayLike<number | bigint>;
    return Array.from({ length: count }, (_, q) => ({
      id: `t${q}`,
      vector: Array.from(vectors.subarray(q * test.columns, (q + 1) * test.columns)),
      neighbors: Array.from({ length: k }, (_, j) =>
        importId(prefix, Number(ids[q * neighbors.columns + j])),
      ),
    }));
  }

  /** Closes the file. */
  close(): void {
    this.file.close();
  }
}
