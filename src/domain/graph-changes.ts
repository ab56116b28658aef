import { type GenerationRows, type LabelMap, liveLabels } from "./label-map";
import type { LoadedIndex } from "./loaded-index";
import type { Tail } from "./tail";

/** What a graph needs to match newer data: labels to mark deleted, rows to add. */
export interface GraphChanges {
  /** Live labels whose rows were since deleted or replaced. */
  readonly deleteLabels: readonly number[];
  /** Rows to add, each as a new label after the graph's last one. */
  readonly add: {
    readonly ids: readonly string[];
    readonly versions: readonly number[];
    readonly metadata: readonly (Record<string, unknown> | null)[];
    /** Row-major values of the added rows. */
    readonly values: Float32Array;
  };
}

/** The changes a generation needs for the tail written since its data version. */
export function changesFromTail(rows: GenerationRows, tail: Tail): GraphChanges {
  const live = liveLabels(rows);
  const deleteLabels: number[] = [];
  for (const id of tail.touched) {
    const label = live.get(id);
    if (label !== undefined) deleteLabels.push(label);
  }
  return {
    deleteLabels,
    add: {
      ids: tail.ids,
      versions: Array.from(tail.versions),
      metadata: tail.metadata,
      values: tail.values,
    },
  };
}

/**
 * The changes a graph with `labels` needs to hold exactly `loaded`'s live rows: labels whose
 * (id, version) is no longer live are deleted; live rows the graph lacks are added.
 */
export function changesFromLoaded(
  labels: LabelMap | GenerationRows,
  loaded: LoadedIndex,
): GraphChanges {
  const live = liveLabels(labels);
  const deleteLabels: number[] = [];
  for (const [id, label] of live) {
    const row = loaded.rowOf.get(id);
    if (row === undefined || loaded.versions[row] !== labels.versions[label])
      deleteLabels.push(label);
  }
  const rows: number[] = [];
  loaded.ids.forEach((id, row) => {
    const label = live.get(id);
    if (label === undefined || labels.versions[label] !== loaded.versions[row]) rows.push(row);
  });
  const d = loaded.dimension;
  const values = new Float32Array(rows.length * d);
  rows.forEach((row, i) => {
    values.set(loaded.data.subarray(row * d, (row + 1) * d), i * d);
  });
  return {
    deleteLabels,
    add: {
      ids: rows.map((r) => loaded.ids[r] as string),
      versions: rows.map((r) => loaded.versions[r] as number),
      metadata: rows.map((r) => loaded.metadata[r] ?? null),
      values,
    },
  };
}

/** The generation rows after applying `changes` (metadata of kept labels from `metadata`). */
export function applyChanges(
  labels: LabelMap | GenerationRows,
  changes: GraphChanges,
  metadata: (label: number) => Record<string, unknown> | null,
): GenerationRows {
  return {
    ids: [...labels.ids, ...changes.add.ids],
    versions: [...labels.versions, ...changes.add.versions],
    metadata: [...labels.ids.map((_, label) => metadata(label)), ...changes.add.metadata],
    deleted: [...("deleted" in labels ? (labels.deleted ?? []) : []), ...changes.deleteLabels],
  };
}
