import { ConflictError } from "../domain/errors";
import type { HnswConfig } from "../domain/hnsw-config";
import type { ActiveGeneration, IndexRecord } from "../domain/index-record";
import { countsOf, type LabelMap, labelsKeyOf } from "../domain/label-map";
import { BUILTIN_DEFAULT_CONFIG, type PromotionEntry } from "../domain/promotion";
import { failpoint } from "../failpoints";
import { logger } from "../logger";
import { recordActivation } from "../telemetry";
import type { GenerationBuilder, PreparedGeneration } from "./generation-builder";
import type { Generations } from "./generations";
import type { BlobStore } from "./ports";
import type { PromotionService } from "./promotion-service";
import type { VectorStore } from "./vector-store";

/** The ports and services {@link ActivationService} is built from (see `createServices`). */
export interface ActivationServiceDeps {
  readonly blobs: BlobStore;
  readonly vectors: VectorStore;
  readonly promotions: PromotionService;
  readonly generations: Generations;
  readonly builder: GenerationBuilder;
  /** Where the one line per activation goes (default: the service logger). */
  readonly log?: (line: string) => void;
}

/**
 * What an activation answers: the new generation, the config it serves and where that config came
 * from, and how its graph was made (built, caught up or copied).
 */
export interface ActivationResult {
  /** The index activated. */
  readonly index_name: string;
  /** The generation now active (bumped by every flip). */
  readonly generation: number;
  /** The config it serves. */
  readonly config: HnswConfig;
  /** `promoted` (the registry's current) or `default` (the caller's, else the built-in one). */
  readonly config_source: "promoted" | "default";
  /**
   * How the graph was made: `built` in full; `caught_up`, an existing graph (the active one, or
   * the promoted trial's) with the vectors written since added and replaced or deleted ones
   * marked; `copied`, an existing graph that already held exactly the index's data.
   */
  readonly graph: PreparedGeneration["method"];
  /** Whose graph: the `active` one (same m, ef_construction, seed), a trial `snapshot`, or `new`. */
  readonly graph_source: "active" | "snapshot" | "new";
  /** Time spent building or catching up the graph, ms (0 when copied). */
  readonly build_time_ms: number;
  /** Vectors added to an existing graph (all of them when built). */
  readonly vectors_added: number;
  /** Live vectors in the index at the data version the generation holds. */
  readonly vectors: number;
  /** True when the promoted trial's graph was reused (copied or caught up). */
  readonly reused_snapshot: boolean;
}

/**
 * Times an activation catches its graph up again when newer data went active before its flip
 * (a catch-up that ran meanwhile), before it answers 409 `stale_activation`.
 */
export const ACTIVATION_FOLLOW_UPS = 3;

/** Whether a flip failed because the index moved on to newer data (or off this graph's base). */
function overtaken(err: unknown): boolean {
  return (
    err instanceof ConflictError &&
    (err.code === "stale_activation" || err.code === "generation_replaced")
  );
}

function describe(config: HnswConfig): string {
  return `ef_construction=${config.ef_construction} ef_search=${config.ef_search} m=${config.m} seed=${config.seed}`;
}

/** The one line an activation logs: what it served, and how the graph was made. */
function logLine(
  prepared: PreparedGeneration,
  source: ActivationResult["graph_source"],
  config: HnswConfig,
  entry: PromotionEntry | null,
): string {
  const changes = `added=${prepared.added} deleted=${prepared.deleted}`;
  if (source === "new") return `built HNSW ${describe(config)}`;
  const from =
    source === "snapshot"
      ? `reusing HNSW snapshot trial=${entry?.trial_id}`
      : "reusing the active HNSW graph";
  return prepared.method === "copied"
    ? `${from} ${describe(config)}`
    : `${from} ${describe(config)}, caught up: ${changes}`;
}

/** `record`, when it has vectors to build a graph from (else 409 `index_empty`). */
export function activatable(record: IndexRecord): IndexRecord {
  if (record.count === 0) {
    throw new ConflictError(
      "index_empty",
      `index "${record.name}" has no vectors to build a graph from`,
    );
  }
  return record;
}

/** True when graphs built with `a` and `b` are the same graph (ef_search is search-time only). */
function sameGraph(a: HnswConfig, b: HnswConfig): boolean {
  return a.m === b.m && a.ef_construction === b.ef_construction && a.seed === b.seed;
}

/**
 * Activation: serves the promoted config, or the caller's default, as a new generation and flips
 * the index's active generation (see {@link Generations.flip}). It builds as little as it can:
 * when the active graph was built with the same m, ef_construction and seed, that graph is
 * caught up (or copied, with the new ef_search); else the promoted trial's graph, when it is of
 * this incarnation, is copied or caught up; else a graph is built. Past the index's
 * deleted-label threshold a catch-up becomes a full build. Until the flip, searches keep using
 * the previous generation; a failure before it leaves that generation serving and removes what
 * was written. Newest data wins: when newer data went active while the graph was made, and
 * only catch-ups flipped it (no other activation), the graph is caught up with it and flipped
 * again (up to {@link ACTIVATION_FOLLOW_UPS} times), so an activation is not lost to the index's
 * own maintenance; overtaken by another activation, it answers 409 `stale_activation`.
 */
export class ActivationService {
  private readonly deps: ActivationServiceDeps;
  private readonly log: (line: string) => void;

  constructor(deps: ActivationServiceDeps) {
    this.deps = deps;
    this.log = deps.log ?? ((line) => logger.info(line));
  }

  /**
   * Serves index `indexName`'s promoted config, else `defaultConfig`, else the built-in default, as
   * a new generation: the graph is copied, caught up or built, whichever is cheapest and correct,
   * and the active pointer flips only if no newer generation did meanwhile.
   */
  async activate(indexName: string, defaultConfig?: HnswConfig): Promise<ActivationResult> {
    const started = performance.now();
    let record = activatable(await this.deps.vectors.getIndex(indexName));
    const chosen = await this.deps.promotions.configOr(
      record,
      defaultConfig ?? BUILTIN_DEFAULT_CONFIG,
    );
    // Another activation flipping before this one does makes this one's request the older.
    const activations = record.active?.activations ?? 0;
    const first = await this.prepare(record, chosen.config, chosen.entry);
    this.log(logLine(first.prepared, first.source, chosen.config, chosen.entry));
    await failpoint("activation.generation-written");
    let prepared = first.prepared;
    let timeMs = prepared.timeMs;
    let added = prepared.added;
    for (let followUps = 0; ; followUps++) {
      let active: ActiveGeneration;
      try {
        active = await this.deps.generations.flip(
          record,
          prepared.keys,
          chosen.config,
          prepared.dataVersion,
          { ...countsOf(prepared.rows), base: prepared.base },
        );
      } catch (err) {
        // Newer data went active while this graph was made: when only catch-ups flipped it
        // (no other activation), this graph is caught up with it too; else this answers 409.
        let next: { record: IndexRecord; prepared: PreparedGeneration } | null = null;
        try {
          if (overtaken(err) && followUps < ACTIVATION_FOLLOW_UPS) {
            const fresh = await this.deps.vectors.findIndex(indexName);
            const same = fresh?.uid === record.uid;
            if (fresh && same && (fresh.active?.activations ?? 0) === activations) {
              const followed = await this.followUp(activatable(fresh), prepared, chosen);
              next = { record: fresh, prepared: followed };
            }
          }
        } finally {
          await this.deps.generations.discard(prepared.keys);
        }
        if (!next) throw err;
        record = next.record;
        prepared = next.prepared;
        this.log(
          `newer data went active while activating "${indexName}": caught the graph up to data_version ${prepared.dataVersion} (added=${prepared.added} deleted=${prepared.deleted})`,
        );
        timeMs += prepared.timeMs;
        added += prepared.added;
        continue;
      }
      recordActivation(performance.now() - started);
      const deleted = prepared.rows.deleted?.length ?? 0;
      return {
        index_name: indexName,
        generation: active.generation,
        config: chosen.config,
        config_source: chosen.source,
        graph: first.prepared.method,
        graph_source: first.source,
        build_time_ms: timeMs,
        vectors_added: added,
        vectors: prepared.rows.ids.length - deleted,
        reused_snapshot: first.source === "snapshot",
      };
    }
  }

  /**
   * `prepared` (made with `chosen`'s config from older data) caught up with `record`: the active
   * graph followed when it has the same m, ef_construction and seed (a catch-up made it), else
   * `prepared`'s own graph followed, as a trial's would be; a graph stored as a patch is made
   * again.
   */
  private async followUp(
    record: IndexRecord,
    prepared: PreparedGeneration,
    chosen: { config: HnswConfig; entry: PromotionEntry | null },
  ): Promise<PreparedGeneration> {
    if (record.active && sameGraph(record.active.config, chosen.config)) {
      return this.deps.builder.followActive(record, record.active, chosen.config);
    }
    if (prepared.base) return (await this.prepare(record, chosen.config, chosen.entry)).prepared;
    const loaded = await this.deps.vectors.load(record);
    const { graphKey } = prepared.keys;
    return this.deps.builder.followSnapshot(record, graphKey, prepared.rows, loaded, chosen.config);
  }

  private async prepare(
    record: IndexRecord,
    config: HnswConfig,
    entry: PromotionEntry | null,
  ): Promise<{ prepared: PreparedGeneration; source: ActivationResult["graph_source"] }> {
    const { builder } = this.deps;
    if (record.active && sameGraph(record.active.config, config)) {
      return {
        prepared: await builder.followActive(record, record.active, config),
        source: "active",
      };
    }
    const snapshot = entry ? await this.snapshotOf(entry, record) : null;
    const loaded = await this.deps.vectors.load(record);
    if (snapshot) {
      const prepared = await builder.followSnapshot(
        record,
        snapshot.key,
        snapshot.labels,
        loaded,
        config,
      );
      return { prepared, source: prepared.method === "built" ? "new" : "snapshot" };
    }
    return { prepared: await builder.rebuild(record, loaded, config), source: "new" };
  }

  /** The promoted trial's graph and label map, when it is of this incarnation and still stored. */
  private async snapshotOf(
    entry: PromotionEntry,
    record: IndexRecord,
  ): Promise<{ key: string; labels: LabelMap } | null> {
    if (entry.index_uid !== record.uid || !entry.snapshot_key) return null;
    const bytes = await this.deps.blobs.get(labelsKeyOf(entry.snapshot_key));
    if (!bytes) return null;
    return {
      key: entry.snapshot_key,
      labels: JSON.parse(Buffer.from(bytes).toString("utf8")) as LabelMap,
    };
  }
}
