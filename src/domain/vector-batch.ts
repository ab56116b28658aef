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
 * non-finite value (also one that overflows Float32), a duplicate id in the batch, or a norm out
 * of bounds (see {@link normProblem}).
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
 * Checks one vector's values (length, finiteness, and the norm's bounds: see
 * {@link normProblem}) and writes them into `out` at `offset` (a fresh array when `out` is
 * omitted).
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
  const problem = normProblem(norm, metric);
  if (problem) throw new ValidationError(`${where}: ${problem}`);
  return out;
}

/**
 * Most squared norm of a vector (FLT_MAX / 4, a norm of about 9.2e18): the squared l2 distance of
 * two such vectors, at most (|x| + |y|)², and their inner product stay finite in 32-bit floats, as
 * hnswlib and the exact scan compute them. Past it a distance could overflow to Infinity (or NaN
 * under `cosine`), which ranks nothing and cannot be sent as JSON.
 */
export const MAX_SQUARED_NORM = 3.4028234663852886e38 / 4;

/**
 * Least squared norm of a vector under `cosine` (1e-30, a norm of 1e-15): normalizing a shorter
 * vector in 32-bit floats, as hnswlib and the exact scan do, loses it to underflow (its squares
 * fall below the smallest normal float, 1.2e-38), and its distances come out wrong.
 */
export const MIN_COSINE_SQUARED_NORM = 1e-30;

/**
 * Why a vector of squared norm `squaredNorm` (summed in 64-bit floats from its 32-bit values)
 * cannot be stored or searched under `metric`, or `null` when it can: over
 * {@link MAX_SQUARED_NORM} under any metric; zero, or under {@link MIN_COSINE_SQUARED_NORM},
 * under `cosine`.
 */
export function normProblem(squaredNorm: number, metric: Metric): string | null {
  if (squaredNorm > MAX_SQUARED_NORM) {
    return `its norm ${formatNorm(squaredNorm)} is too large: distances would overflow 32-bit floats; at most ${formatNorm(MAX_SQUARED_NORM)}`;
  }
  if (metric !== "cosine") return null;
  if (squaredNorm === 0) {
    return "the zero vector has no direction under the cosine metric; give a non-zero vector";
  }
  if (squaredNorm < MIN_COSINE_SQUARED_NORM) {
    return `its norm ${formatNorm(squaredNorm)} is too small to normalize in 32-bit floats under the cosine metric; at least ${formatNorm(MIN_COSINE_SQUARED_NORM)}`;
  }
  return null;
}

/** The norm's bounds (see {@link normProblem}), in words, for documents. */
export function normBounds(): string {
  return `a norm of at most ${formatNorm(MAX_SQUARED_NORM)}, and under cosine at least ${formatNorm(MIN_COSINE_SQUARED_NORM)}`;
}

function formatNorm(squaredNorm: number): string {
  return Math.sqrt(squaredNorm).toPrecision(2).replace("e+", "e");
}

/**
 * Checks rows a bulk import decoded (`values`, `dimension` each, already finite float32) against
 * the norm's bounds under the index's metric (see {@link normProblem}). Throws
 * {@link ValidationError} naming the first row out of them as `firstRow + r` (its row in the
 * import's file), after the `file`'s name when given.
 */
export function checkImportedRows(
  values: Float32Array,
  dimension: number,
  metric: Metric,
  firstRow: number,
  file?: string,
): void {
  for (let r = 0; r * dimension < values.length; r++) {
    let norm = 0;
    for (let j = 0; j < dimension; j++) norm += (values[r * dimension + j] as number) ** 2;
    const problem = normProblem(norm, metric);
    if (problem) {
      throw new ValidationError(`${file ? `${file}: ` : ""}row ${firstRow + r}: ${problem}`);
    }
  }
}
