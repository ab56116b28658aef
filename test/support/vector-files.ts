/** Writers of the vector file formats, for tests and benchmarks (the service only reads them). */

/** A 2-d C-order `.npy` of float32 (or float64) rows. */
export function encodeNpy(rows: readonly ArrayLike<number>[], dtype: "<f4" | "<f8" = "<f4") {
  const dimension = rows[0]?.length ?? 0;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': (${rows.length}, ${dimension}), }`;
  const unpadded = 10 + header.length + 1;
  header = `${header}${" ".repeat((64 - (unpadded % 64)) % 64)}\n`;
  const width = dtype === "<f4" ? 4 : 8;
  const out = new Uint8Array(10 + header.length + rows.length * dimension * width);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  const view = new DataView(out.buffer, 10 + header.length);
  rows.forEach((row, r) => {
    for (let j = 0; j < dimension; j++) {
      const at = (r * dimension + j) * width;
      if (width === 4) view.setFloat32(at, row[j] as number, true);
      else view.setFloat64(at, row[j] as number, true);
    }
  });
  return out;
}

/** `.fvecs` (float32), `.bvecs` (uint8) or `.ivecs` (int32): each row its dimension, then values. */
export function encodeVecs(
  rows: readonly ArrayLike<number>[],
  format: "fvecs" | "bvecs" | "ivecs",
) {
  const width = format === "bvecs" ? 1 : 4;
  const total = rows.reduce((sum, row) => sum + 4 + row.length * width, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const row of rows) {
    view.setInt32(at, row.length, true);
    at += 4;
    for (let j = 0; j < row.length; j++, at += width) {
      const x = row[j] as number;
      if (format === "fvecs") view.setFloat32(at, x, true);
      else if (format === "ivecs") view.setInt32(at, x, true);
      else view.setUint8(at, x);
    }
  }
  return out;
}

/**
 * Writes an ann-benchmarks HDF5 file at `path`: `train` and `test` rows (float32), the exact
 * l2 `neighbors` of each test row among the train rows (k of them), and zero `distances`.
 */
export async function writeHdf5(path: string, train: number[][], test: number[][], k: number) {
  const h5 = await import("h5wasm/node");
  await h5.ready;
  const file = new h5.File(path, "w");
  const d = train[0]?.length ?? 0;
  const dataset = (name: string, data: Float32Array | Int32Array, rows: number, cols: number) =>
    file.create_dataset({
      name,
      data,
      shape: [rows, cols],
      dtype: data instanceof Int32Array ? "<i" : "<f",
    });
  dataset("train", Float32Array.from(train.flat()), train.length, d);
  dataset("test", Float32Array.from(test.flat()), test.length, d);
  const neighbors = exactNeighbors(train, test, k);
  dataset("neighbors", Int32Array.from(neighbors.flat()), test.length, k);
  dataset("distances", new Float32Array(test.length * k), test.length, k);
  file.create_attribute("distance", "euclidean");
  file.close();
}

/** Exact k nearest rows of each query (l2), nearest first: ground truth for generated files. */
function exactNeighbors(train: number[][], queries: number[][], k: number): number[][] {
  return queries.map((q) =>
    train
      .map((row, i) => ({ i, d: row.reduce((s, x, j) => s + (x - (q[j] as number)) ** 2, 0) }))
      .sort((a, b) => a.d - b.d)
      .slice(0, k)
      .map((n) => n.i),
  );
}
