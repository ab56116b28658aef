// The custom metrics the functions emit (src/telemetry.ts) that the stack's alarms watch: one
// copy of their names for both sides. No CDK imports: the Lambda bundles include this file.

/** CloudWatch namespace of every vectord metric, and the `service` dimension each carries. */
export const METRICS_NAMESPACE = "vectord";

/** Pending vectors an HNSW search scanned exactly (dimension `service` only). */
export const PENDING_VECTORS_METRIC = "PendingVectors";
