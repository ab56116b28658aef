import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConflictError } from "../domain/errors";
import { plainRows } from "../domain/exact-search";
import type { HnswConfig } from "../domain/hnsw-config";
import type { IndexRecord } from "../domain/index-record";
import {
  generationRows,
  holdsExactly,
  type LabelMap,
  labelsKeyOf,
  labelsOf,
} from "../domain/label-map";
import type { LoadedIndex } from "../domain/loaded-index";
import { BUILTIN_DEFAULT_CONFIG, type PromotionEntry } from "../domain/promotion";
import { logger } from "../logger";
import { recordActivation, recordBuild } from "../telemetry";
import type { GenerationKeys, Generations } from "./generations";
import { newGenerationKeys } from "./generations";
import type { HnswRunner } from "./hnsw-runner";
import type { BlobStore } from "./ports";
import type { PromotionService } from "./promotion-service";
import type { VectorStore } from "./vector-store";

export interface ActivationServiceDeps {
  readonly blobs: BlobStore;
  readonly vectors: VectorStore;
  readonly promotions: PromotionService;
  readonly runner: HnswRunner;
  readonly generations: Generations;
  /** Where the one line per activation goes (default: the service logger). */
  readonly log?: (line: string) => void;
}

export interface ActivationResult {
  readonly index_name: string;
  readonly generation: number;
  readonly config: HnswConfig;
  readonly config_source: "promoted" | "default";
  readonly build_time_ms: number;
  readonly vectors: number;
  readonly reused_snapshot: boolean;
}

function describe(config: HnswConfig): string {
  return `ef_construction=${config.ef_construction} ef_search=${config.ef_search} m=${config.m} seed=${config.seed}`;
}

/**
 * Activation: builds (or reuses) an HNSW graph with the promoted config, or the caller's
 * default, writes it and its label map to S3, then flips the index's active generation (see
 * {@link Generations.flip}). Until the flip, searches keep using the previous generation; a
 * failure before it leaves that generation serving and removes what was written.
 */
export class ActivationService {
  private readonly deps: ActivationServiceDeps;
  private readonly log: (line: string) => void;

  constructor(deps: ActivationServiceDeps) {
    this.deps = deps;
    this.log = deps.log ?? ((line) => logger.info(line));
  }

  async activate(indexName: string, defaultConfig?: HnswConfig): Promise<ActivationResult> {
    const started = performance.now();
    const record = await this.deps.vectors.getIndex(indexName);
    if (record.count === 0) {
      throw new ConflictError(
        "index_empty",
        `index "${indexName}" has no vectors to build a graph from`,
      );
    }
    const chosen = await this.deps.promotions.configOr(
      record,
      defaultConfig ?? BUILTIN_DEFAULT_CONFIG,
    );
    const loaded = await this.deps.vectors.load(record);
    const keys = newGenerationKeys(record);
    try {
      const reused = chosen.entry ? await this.reuse(chosen.entry, record, loaded, keys) : null;
      let buildTimeMs = 0;
      let labels: LabelMap;
      if (reused) {
        this.log(
          `reusing HNSW snapshot trial=${chosen.entry?.trial_id} ${describe(chosen.config)}`,
        );
        labels = reused;
      } else {
        this.log(`building HNSW ${describe(chosen.config)}`);
        buildTimeMs = await this.build(record, loaded, chosen.config, keys);
        labels = labelsOf(loaded);
      }
      await this.deps.generations.putRows(keys, generationRows(labels, loaded));
      const active = await this.deps.generations.flip(
        record,
        keys,
        chosen.config,
        record.dataVersion,
        { labels: labels.ids.length, deleted_labels: 0 },
      );
      recordActivation(performance.now() - started);
      return {
        index_name: indexName,
        generation: active.generation,
        config: chosen.config,
        config_source: chosen.source,
        build_time_ms: buildTimeMs,
        vectors: loaded.rows,
        reused_snapshot: reused !== null,
      };
    } catch (err) {
      await this.deps.generations.discard(keys);
      throw err;
    }
  }

  /**
   * Copies the promoted trial's graph into the new generation (server-side, so the generation
   * never depends on the snapshot, which expires) when its label map holds exactly the index's
   * live rows; returns that map, or `null` when the graph cannot serve as it is.
   */
  private async reuse(
    entry: PromotionEntry,
    record: IndexRecord,
    loaded: LoadedIndex,
    keys: GenerationKeys,
  ): Promise<LabelMap | null> {
    if (entry.index_uid !== record.uid || !entry.snapshot_key) return null;
    const bytes = await this.deps.blobs.get(labelsKeyOf(entry.snapshot_key));
    if (!bytes) return null;
    const labels = JSON.parse(Buffer.from(bytes).toString("utf8")) as LabelMap;
    if (!holdsExactly(labels, loaded)) return null;
    return (await this.deps.blobs.copy(entry.snapshot_key, keys.graphKey)) ? labels : null;
  }

  /** Builds the graph on a worker thread and streams it to the generation's key. */
  private async build(
    record: IndexRecord,
    loaded: LoadedIndex,
    config: HnswConfig,
    keys: GenerationKeys,
  ): Promise<number> {
    const path = join(tmpdir(), `vectord-generation-${randomUUID()}.hnsw`);
    try {
      const built = await this.deps.runner.build({
        rows: plainRows(loaded),
        metric: record.metric,
        build: config,
        path,
      });
      recordBuild("activation", built.buildTimeMs);
      await this.deps.blobs.putFile(keys.graphKey, path, "application/octet-stream");
      return built.buildTimeMs;
    } finally {
      await rm(path, { force: true });
    }
  }
}
