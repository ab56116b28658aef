import { randomUUID } from "node:crypto";
import { ConflictError } from "../domain/errors";
import type { IndexRecord, IndexSettings } from "../domain/index-record";
import { sameMaintenance } from "../domain/maintenance";
import { type IndexCatalog, LOST_RACE } from "./ports";
import { retryLostRaces } from "./retry";

/** What {@link createIndex} did: `created` is false when the index was there already. */
export interface CreatedIndex {
  /** Whether this call created it (`false`: an identical index was there). */
  readonly created: boolean;
  /** The index's record. */
  readonly index: IndexRecord;
}

/**
 * Creates index `name` in `catalog` with `settings`, stamped `now`, idempotently: an existing
 * index with the same dimension and metric is returned as it is (its maintenance settings
 * updated when `settings` changes them); one with another dimension or metric is a
 * {@link ConflictError} `index_exists` naming both. A race with a concurrent delete is retried.
 */
export function createIndex(
  catalog: IndexCatalog,
  now: Date,
  name: string,
  settings: IndexSettings,
): Promise<CreatedIndex> {
  const stamp = now.toISOString();
  const record: IndexRecord = {
    name,
    uid: randomUUID(),
    dimension: settings.dimension,
    metric: settings.metric,
    count: 0,
    dataVersion: 0,
    vectorsWritten: 0,
    segments: [],
    createdAt: stamp,
    updatedAt: stamp,
    active: null,
    ...(settings.maintenance ? { maintenance: settings.maintenance } : {}),
  };
  return retryLostRaces(`create index "${name}"`, async () => {
    if (await catalog.create(record)) return { created: true, index: record };
    const existing = await catalog.get(name);
    if (!existing) return LOST_RACE; // deleted in between: try again
    if (existing.dimension !== settings.dimension || existing.metric !== settings.metric) {
      throw new ConflictError(
        "index_exists",
        `index "${name}" exists with dimension ${existing.dimension} and metric ${existing.metric}; ` +
          `asked for dimension ${settings.dimension} and metric ${settings.metric}`,
      );
    }
    const maintenance = { ...existing.maintenance, ...settings.maintenance };
    if (!settings.maintenance || sameMaintenance(maintenance, existing.maintenance ?? {})) {
      return { created: false, index: existing };
    }
    const updated = await catalog.setMaintenance(existing, maintenance);
    return updated === LOST_RACE ? LOST_RACE : { created: false, index: updated };
  });
}
