import { inverseNorms, type VectorRows } from "./exact-search";
import type { Metric } from "./metric";
import type { VersionedSegment } from "./segment";
import { shortestFloat32 } from "./vector-math";

/**
 * All live vectors of one index version, packed row-major for fast scans. Row `i` is the
 * vector of `ids[i]`, as written; for `cosine`, `inverseNorms` stands in for a normalized copy
 * (one float per row instead of one per value).
 */
export interface LoadedIndex extends VectorRows {
  /** The index's metric. */
  readonly metric: Metric;
  /** The id of each row. */
  readonly ids: readonly string[];
  /** The metadata of each row. */
  readonly metadata: readonly (Record<string, unknown> | null)[];
  /** The data_version that wrote each row. */
  readonly versions: Int32Array;
  /** Row of each live id. */
  readonly rowOf: ReadonlyMap<string, number>;
  /** Values of one row as written, each the shortest decimal of its Float32. */
  readonly raw: (row: number) => number[];
}

/** About what a loaded index holds: its values and norms, and per row its id, version and slots. */
export function loadedBytes(loaded: LoadedIndex): number {
  return loaded.data.byteLength + loaded.rows * 96;
}

/**
 * Folds segments (oldest first) into the live vectors: a later upsert of an id replaces an
 * earlier one, a delete removes it. Values are copied once into one Float32Array.
 */
export function assembleIndex(
  segments: readonly VersionedSegment[],
  dimension: number,
  metric: Metric,
): LoadedIndex {
  // id -> [segment, row], in first-insertion order (a re-upsert keeps its place).
  const where = new Map<string, number>();
  const segOf: number[] = [];
  const rowIn: number[] = [];
  segments.forEach((segment, s) => {
    segment.ids.forEach((id, r) => {
      const slot = where.get(id);
      if (slot === undefined) {
        where.set(id, segOf.length);
        segOf.push(s);
        rowIn.push(r);
      } else {
        segOf[slot] = s;
        rowIn[slot] = r;
      }
    });
    for (const id of segment.deleted) {
      const slot = where.get(id);
      if (slot !== undefined) {
        where.delete(id);
        segOf[slot] = -1;
      }
    }
  });

  const ids: string[] = [];
  const metadata: (Record<string, unknown> | null)[] = [];
  const versions = new Int32Array(where.size);
  const rowOf = new Map<string, number>();
  // Shared memory: worker threads building graphs read the rows without a copy.
  const data = new Float32Array(new SharedArrayBuffer(where.size * dimension * 4));
  for (const [id, slot] of where) {
    const s = segOf[slot] as number;
    const r = rowIn[slot] as number;
    const segment = segments[s] as VersionedSegment;
    const row = ids.length;
    ids.push(id);
    metadata.push(segment.metadata[r] ?? null);
    versions[row] = segment.versions[r] as number;
    rowOf.set(id, row);
    const src = segment.values.subarray(r * dimension, (r + 1) * dimension);
    data.set(src, row * dimension);
  }
  const raw = (row: number): number[] => {
    const out = new Array<number>(dimension);
    const base = row * dimension;
    for (let j = 0; j < dimension; j++) out[j] = shortestFloat32(data[base + j] as number);
    return out;
  };
  const rows = ids.length;
  return {
    data,
    dimension,
    rows,
    ...(metric === "cosine" ? { inverseNorms: inverseNorms(data, dimension, rows) } : {}),
    metric,
    ids,
    metadata,
    versions,
    rowOf,
    raw,
  };
}
