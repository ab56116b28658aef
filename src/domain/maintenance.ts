import { z } from "zod";
import type { GraphChanges } from "./graph-changes";
import type { IndexRecord } from "./index-record";
import type { GenerationRows, LabelMap } from "./label-map";
import { intInRange, numberInRange } from "./ranges";
import { pendingEstimate } from "./tail";

/**
 * When an index's active graph is kept up with its data. Searches always see every write (the
 * vectors written since the graph's data are scanned exactly); these settings decide when those
 * pending vectors are folded into the graph, and when the graph is rebuilt instead.
 */
export interface MaintenanceSettings {
  /** Catch up once pending vectors reach this share of the graph's labels... (default 0.05) */
  readonly catch_up_fraction: number;
  /** ...or this many, whichever is smaller. (default 10,000) */
  readonly catch_up_max_pending: number;
  /**
   * Rebuild in full instead of catching up once deleted labels (deleted or replaced rows still
   * in the graph) would pass this share of its labels. (default 0.2)
   */
  readonly rebuild_deleted_fraction: number;
}

/**
 * Maintenance settings an index has unless it sets its own: catch up at 5% of the graph or 10,000
 * pending vectors, whichever is smaller; rebuild once 20% of its labels are deleted.
 */
export const DEFAULT_MAINTENANCE: MaintenanceSettings = {
  catch_up_fraction: 0.05,
  catch_up_max_pending: 10_000,
  rebuild_deleted_fraction: 0.2,
};

/** Bounds of the settings: a catch-up per write, or never one, would both be mistakes. */
export const MAINTENANCE_BOUNDS = {
  catch_up_fraction: { min: 0.001, max: 1 },
  catch_up_max_pending: { min: 1, max: 1_000_000 },
  rebuild_deleted_fraction: { min: 0.01, max: 0.9 },
} as const;

/** Maintenance settings as a request gives them (any subset; the rest keep their value). */
export const maintenanceSchema = z.strictObject({
  catch_up_fraction: numberInRange(
    MAINTENANCE_BOUNDS.catch_up_fraction.min,
    MAINTENANCE_BOUNDS.catch_up_fraction.max,
  )
    .meta({
      description: `A catch-up starts once pending vectors reach this share of the graph's labels, or catch_up_max_pending, whichever is smaller (default ${DEFAULT_MAINTENANCE.catch_up_fraction})`,
    })
    .optional(),
  catch_up_max_pending: intInRange(
    MAINTENANCE_BOUNDS.catch_up_max_pending.min,
    MAINTENANCE_BOUNDS.catch_up_max_pending.max,
  )
    .meta({
      description: `A catch-up starts once this many vectors are pending, at the latest (default ${DEFAULT_MAINTENANCE.catch_up_max_pending})`,
    })
    .optional(),
  rebuild_deleted_fraction: numberInRange(
    MAINTENANCE_BOUNDS.rebuild_deleted_fraction.min,
    MAINTENANCE_BOUNDS.rebuild_deleted_fraction.max,
  )
    .meta({
      description: `The graph is rebuilt in full instead of caught up once its deleted labels would pass this share of its labels (default ${DEFAULT_MAINTENANCE.rebuild_deleted_fraction})`,
    })
    .optional(),
});

/** An index's settings, defaults filled in. */
export function maintenanceOf(record: Pick<IndexRecord, "maintenance">): MaintenanceSettings {
  return { ...DEFAULT_MAINTENANCE, ...record.maintenance };
}

/** Whether two (partial) maintenance settings set the same fields to the same values. */
export function sameMaintenance(
  a: Partial<MaintenanceSettings>,
  b: Partial<MaintenanceSettings>,
): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof MaintenanceSettings>;
  return [...keys].every((key) => a[key] === b[key]);
}

/**
 * True when the index's active graph should catch up: the words written since its data (an
 * estimate from the catalog alone, so a write can decide without reading anything) reach
 * min(catch_up_fraction × labels, catch_up_max_pending), and at least one.
 */
export function catchUpDue(record: IndexRecord): boolean {
  const active = record.active;
  if (!active) return false;
  const pending = pendingEstimate(record.segments, active.data_version);
  if (pending === 0) return false;
  const settings = maintenanceOf(record);
  const labels = (active.labels ?? record.count) - (active.deleted_labels ?? 0);
  const threshold = Math.min(settings.catch_up_fraction * labels, settings.catch_up_max_pending);
  return pending >= Math.max(1, threshold);
}

/** True when, after `changes`, deleted labels would pass `fraction` of the graph: rebuild instead. */
export function rebuildDue(
  labels: LabelMap | GenerationRows,
  changes: GraphChanges,
  fraction: number,
): boolean {
  const before = "deleted" in labels ? (labels.deleted?.length ?? 0) : 0;
  const deleted = before + changes.deleteLabels.length;
  const total = labels.ids.length + changes.add.ids.length;
  return total > 0 && deleted / total > fraction;
}
