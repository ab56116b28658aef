import { ValidationError } from "./errors";
import type { Metric } from "./metric";

/** One vector of an upsert request, after the edge has checked its JSON shape. */
export interface VectorInput {
  /** The vector's id: a later write of the same id replaces it. */
  readonly id: string;
  /** Its values, as many as the index's dimension. */
  readonly values: readonly number[];
  /** A JSON object stored with it (absent: none). */
  readonly metadata?: Record<string, unknown> | undefined;
}

/**
 * Checks a batch against the index it is written to and packs it into one Float32Array.
 * Throws {@link ValidationError} naming the first offending vector: a wrong dimension, a
 * non-finite value (also one that overflows Float32), a duplicate id in the batch, or a zero
 * vector under `cosine` (it has no direction).
 */
export function packBatch(
  vectors: readonly VectorInput[],
  dimension: number,
  metric: Metric,
): Float32Array {
  const seen = new Map<string, number>();
  const values = new Float32Array(vectors.length * dimension);
  vectors.forEach((v, i) => {
    const first = seen.get(v.id);
    if (first !== undefined) {
      throw new ValidationError(
        `vectors[${i}].id: duplicate id "${v.id}" (also at vectors[${first}]); each id may appear once per request`,
      );
    }
    seen.set(v.id, i);
    packVector(v.values, dimension, metric, `vectors[${i}].values`, values, i * dimension);
  });
  return values;
}

/**
 * Checks one vector's values (length, finiteness, and for `cosine` a non-zero norm) and writes
 * them into `out` at `offset` (a fresh array when `out` is omitted).
 */
export function packVector(
  input: readonly number[],
  dimension: number,
  metric: Metric,
  where: string,
  out: Float32Array = new Float32Array(dimension),
  offset = 0,
): Float32Array {
  if (input.length !== dimension) {
    throw new ValidationError(
      `${where}: got ${input.length} values, expected ${dimension} (the index dimension)`,
    );
  }
  let norm = 0;
  for (let j = 0; j < dimension; j++) {
    const x = input[j];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new ValidationError(`${where}[${j}]: got ${String(x)}, expected a finite number`);
    }
    const f = Math.fround(x);
    if (!Number.isFinite(f)) {
      throw new ValidationError(`${where}[${j}]: ${x} does not fit in a 32-bit float`);
    }
    out[offset + j] = f;
    norm += f * f;
  }
  if (metric === "cosine" && norm === 0) {
    throw new ValidationError(
      `${where}: the zero vector has no direction under the cosine metric; give a non-zero vector`,
    );
  }
  return out;
}

/**
 * Checks rows a bulk import decoded (`values`, `dimension` each, already finite float32) against
 * the index's metric: under `cosine` a zero row has no direction. Throws {@link ValidationError}
 * naming the first such row as `firstRow + r` (its row in the import's file).
 */
export function checkImportedRows(
  values: Float32Array,
  dimension: number,
  metric: Metric,
  firstRow: number,
): void {
  if (metric !== "cosine") return;
  for (let r = 0; r * dimension < values.length; r++) {
    let norm = 0;
    for (let j = 0; j < dimension; j++) norm += (values[r * dimension + j] as number) ** 2;
    if (norm === 0) {
      throw new ValidationError(`row ${firstRow + r}: a zero vector has no cosine distance`);
    }
  }
}
