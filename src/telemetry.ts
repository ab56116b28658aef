import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
import type { Context } from "aws-lambda";
import { METRICS_NAMESPACE, PENDING_VECTORS_METRIC } from "../infra/metrics";
import { logger } from "./logger";

/**
 * Metrics (CloudWatch embedded metric format) and traces (X-Ray), through Powertools. On Lambda
 * they flush with every invocation (see {@link instrumented}); the tracer disables itself outside
 * Lambda, and the local stack turns metrics off (`POWERTOOLS_METRICS_DISABLED`).
 */
const SERVICE = METRICS_NAMESPACE;
/** The service's CloudWatch metrics (Powertools; embedded metric format on stdout). */
export const metrics = new Metrics({ namespace: SERVICE, serviceName: SERVICE });
/** The service's X-Ray tracer (Powertools). */
export const tracer = new Tracer({ serviceName: SERVICE });

/**
 * Emitters, one per set of dimensions, created once: each call emits its metrics in one EMF line
 * of their own (dimensions never leak between calls), and a hot path (a search) pays no
 * construction.
 */
class Emitter extends Metrics {
  /** Disabled (POWERTOOLS_METRICS_DISABLED, or dev mode): nothing to store or serialize. */
  get off(): boolean {
    return this.isDisabled();
  }
}
const emitters = new Map<string, Emitter>();

type Unit = (typeof MetricUnit)[keyof typeof MetricUnit];

/** `metrics` (name, unit, value) with `dimensions`, emitted together in one line. */
function emit(dimensions: Record<string, string>, ...metrics: [string, Unit, number][]) {
  const key = JSON.stringify(dimensions);
  let emitter = emitters.get(key);
  if (!emitter) {
    emitter = new Emitter({
      namespace: SERVICE,
      serviceName: SERVICE,
      defaultDimensions: dimensions,
    });
    emitters.set(key, emitter);
  }
  if (emitter.off) return;
  for (const [name, unit, value] of metrics) emitter.addMetric(name, unit, value);
  emitter.publishStoredMetrics();
}

/**
 * A search answered, and how (`hnsw` or `exact`). An HNSW search also gives the pending vectors
 * it scanned exactly (written since its graph's data, not in the graph yet): how far the graph
 * lags its data, in the same line (dimension `mode`: `hnsw`). A catch-up brings it back under the
 * index's threshold; a count that stays high means catch-ups are not keeping up.
 */
export function recordSearch(mode: string, ms: number, pendingVectors?: number): void {
  const latency: [string, Unit, number] = ["SearchLatency", MetricUnit.Milliseconds, ms];
  if (pendingVectors === undefined) emit({ mode }, latency);
  else emit({ mode }, latency, [PENDING_VECTORS_METRIC, MetricUnit.Count, pendingVectors]);
}

/** A search answered from the generation an instance held while the active one loaded. */
export function recordHeldGeneration(): void {
  emit({}, ["SearchFromHeldGeneration", MetricUnit.Count, 1]);
}

/** A warm instance gave up a cached entry (`cache`: graph, vectors or tail) to stay in budget. */
export function recordCacheEviction(cache: string, bytes: number): void {
  emit({ cache }, ["CacheEvictedBytes", MetricUnit.Bytes, bytes]);
}

/** A write (upsert or delete) committed. */
export function recordWrite(ms: number): void {
  emit({}, ["WriteLatency", MetricUnit.Milliseconds, ms]);
}

/** An autotune finished with `status` (SUCCEEDED / FAILED), and whether it promoted. */
export function recordAutotune(status: string, promoted: boolean): void {
  emit({ status, promoted: String(promoted) }, ["AutotuneOutcome", MetricUnit.Count, 1]);
}

/** A graph was built (trial, autotune build group, activation or catch-up). */
export function recordBuild(kind: string, ms: number): void {
  emit({ kind }, ["BuildTime", MetricUnit.Milliseconds, ms]);
}

/**
 * A catch-up task flipped to a new generation (`outcome`: caught_up, built or copied), from a
 * graph `graph` (held: still in the instance's memory; kept: read from its disk; downloaded;
 * none), taking `ms` from the catalog record to the flip: warm and cold catch-ups apart, beside
 * the activations' rebuilds.
 */
export function recordCatchUp(outcome: string, graph: string, ms: number): void {
  emit({ outcome, graph }, ["CatchUpTime", MetricUnit.Milliseconds, ms]);
}

/**
 * Minor page faults of this process so far (its worker threads' included): pages of memory it
 * touched for the first time. Their difference over a task is what it paid in first touches, which
 * some machines charge far more for than others (see the fresh bench).
 */
export function pageFaults(): number {
  return process.resourceUsage().minorPageFault;
}

/** An activation flipped the active generation. */
export function recordActivation(ms: number): void {
  emit({}, ["ActivationTime", MetricUnit.Milliseconds, ms]);
}

/**
 * Runs one invocation with the Lambda context in every log line (request id, cold start), a
 * traced subsegment, and the metrics it recorded flushed at its end.
 */
export async function instrumented<T>(
  name: string,
  context: Context | undefined,
  run: () => Promise<T>,
): Promise<T> {
  if (context) logger.addContext(context);
  const parent = tracer.isTracingEnabled() ? tracer.getSegment() : undefined;
  const segment = parent?.addNewSubsegment(`## ${name}`);
  if (segment) {
    tracer.setSegment(segment);
    tracer.annotateColdStart();
    tracer.addServiceNameAnnotation();
  }
  try {
    return await run();
  } catch (err) {
    segment?.addError(err as Error);
    throw err;
  } finally {
    segment?.close();
    if (parent) tracer.setSegment(parent);
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  }
}
