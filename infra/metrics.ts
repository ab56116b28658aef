// The custom metrics the functions emit (src/telemetry.ts) that the stack's alarms watch: one
// copy of their names for both sides. No CDK imports: the Lambda bundles include this file.

/** CloudWatch namespace of every vectord metric, and the `service` dimension each carries. */
export const METRICS_NAMESPACE = "vectord";

/**
 * Pending vectors an HNSW search scanned exactly, emitted in the line of its `SearchLatency`:
 * with its dimensions, {@link PENDING_VECTORS_DIMENSIONS} besides `service`.
 */
export const PENDING_VECTORS_METRIC = "PendingVectors";

/** The dimensions of {@link PENDING_VECTORS_METRIC} besides `service` (a search's `mode`). */
export const PENDING_VECTORS_DIMENSIONS = { mode: "hnsw" } as const;
