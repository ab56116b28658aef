import type { LoadedIndex } from "./loaded-index";

/**
 * A graph's label map: label `l` of the graph is the row with id `ids[l]` as written at
 * data_version `versions[l]`. Every stored graph (trial snapshot or generation) travels with the
 * exact map it was built with, so its labels never depend on how a later load orders rows
 * (compaction reorders them; a re-upsert changes a row without changing its id).
 */
export interface LabelMap {
  /** The id of each label. */
  readonly ids: readonly string[];
  /** The data version each label's row was written at. */
  readonly versions: readonly number[];
}

/** A generation's label map, with each label's metadata as of the graph's data. */
export interface GenerationRows extends LabelMap {
  /** Each label's metadata as of the graph's data (searches show the current metadata). */
  readonly metadata: readonly (Record<string, unknown> | null)[];
  /** Labels marked deleted in the graph (catch-ups mark replaced and deleted rows). */
  readonly deleted?: readonly number[];
}

/** The live label of each id (a replaced id's newest label; deleted labels left out). */
export function liveLabels(rows: GenerationRows | LabelMap): Map<string, number> {
  const deleted = new Set("deleted" in rows ? (rows.deleted ?? []) : []);
  const out = new Map<string, number>();
  rows.ids.forEach((id, label) => {
    if (!deleted.has(label)) out.set(id, label);
  });
  return out;
}

/** The label map of a graph built from `loaded`'s rows in order (row r gets label r). */
export function labelsOf(loaded: LoadedIndex): LabelMap {
  return { ids: loaded.ids, versions: Array.from(loaded.versions) };
}

/**
 * The label map of a graph built from `loaded`'s rows `labelRows` (label l is row
 * `labelRows[l]`: a trial's graph without its harness's held-out rows); every row when none.
 */
export function labelsOfRows(loaded: LoadedIndex, labelRows: Int32Array | undefined): LabelMap {
  if (!labelRows) return labelsOf(loaded);
  const rows = Array.from(labelRows);
  return {
    ids: rows.map((r) => loaded.ids[r] as string),
    versions: rows.map((r) => loaded.versions[r] as number),
  };
}

/** True when a graph's labels hold exactly `loaded`'s live rows (same ids, same versions). */
export function holdsExactly(labels: LabelMap, loaded: LoadedIndex): boolean {
  if (labels.ids.length !== loaded.rows) return false;
  return labels.ids.every((id, l) => {
    const row = loaded.rowOf.get(id);
    return row !== undefined && loaded.versions[row] === labels.versions[l];
  });
}

/** A generation's rows for a graph with `labels`, taking metadata from `loaded`. */
export function generationRows(labels: LabelMap, loaded: LoadedIndex): GenerationRows {
  return {
    ids: labels.ids,
    versions: labels.versions,
    metadata: labels.ids.map((id) => {
      const row = loaded.rowOf.get(id);
      return row === undefined ? null : (loaded.metadata[row] ?? null);
    }),
  };
}

/** Where a graph's label map is kept: beside the graph (`x.hnsw` -> `x.labels.json`). */
export function labelsKeyOf(graphKey: string): string {
  return graphKey.replace(/\.hnsw$/, ".labels.json");
}

/** The label counts the catalog keeps beside a generation (for thresholds, from the record). */
export function countsOf(rows: GenerationRows): { labels: number; deleted_labels: number } {
  return { labels: rows.ids.length, deleted_labels: rows.deleted?.length ?? 0 };
}
