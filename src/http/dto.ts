import type { IndexRecord } from "../domain/index-record";

/** IndexInfo as the API returns it (snake_case). */
export function toIndexInfo(record: IndexRecord) {
  return {
    name: record.name,
    dimension: record.dimension,
    metric: record.metric,
    count: record.count,
    data_version: record.dataVersion,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}
