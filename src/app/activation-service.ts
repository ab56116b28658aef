import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generationStem } from "../../infra/storage";
import { ConflictError, NotFoundError } from "../domain/errors";
import { plainRows } from "../domain/exact-search";
import type { HnswConfig } from "../domain/hnsw-config";
import type { ActiveGeneration, IndexRecord } from "../domain/index-record";
import { BUILTIN_DEFAULT_CONFIG, type PromotionEntry } from "../domain/promotion";
import { logger } from "../logger";
import { recordActivation, recordBuild } from "../telemetry";
import type { HnswRunner } from "./hnsw-runner";
import type { BlobStore, IndexCatalog } from "./ports";
import type { PromotionService } from "./promotion-service";
import { DEFAULT_RETRY, type RetryPolicy, retryLostRaces } from "./retry";
import type { VectorStore } from "./vector-store";

export interface ActivationServiceDeps {
  readonly catalog: IndexCatalog;
  readonly blobs: BlobStore;
  readonly vectors: VectorStore;
  readonly promotions: PromotionService;
  readonly runner: HnswRunner;
  /** Where the one line per activation goes (default: the service logger). */
  readonly log?: (line: string) => void;
  readonly retry?: RetryPolicy;
  readonly now?: () => Date;
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

/** Ids and metadata of a generation's graph labels, in label order. */
export interface GenerationRows {
  readonly ids: readonly string[];
  readonly metadata: readonly (Record<string, unknown> | null)[];
}

function describe(config: HnswConfig): string {
  return `ef_construction=${config.ef_construction} ef_search=${config.ef_search} m=${config.m} seed=${config.seed}`;
}

/**
 * Activation: builds (or reuses) an HNSW graph with the promoted config, or the caller's
 * default, writes it to S3, then flips the index's active generation with one conditional
 * write. Until the flip, searches keep using the previous generation; a failure before it leaves
 * that generation serving and removes what was written.
 */
export class ActivationService {
  private readonly deps: ActivationServiceDeps;
  private readonly log: (line: string) => void;
  private readonly now: () => Date;

  constructor(deps: ActivationServiceDeps) {
    this.deps = deps;
    this.log = deps.log ?? ((line) => logger.info(line));
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Deletes a generation two flips old. The active generation and the one before it are kept
   * (a warm searcher may still be loading the previous one).
   */
  private async retire(old: { graph_key: string; rows_key: string } | undefined): Promise<void> {
    if (!old) return;
    const keys = [old.graph_key, old.rows_key];
    await this.deps.blobs.deleteKeys(keys).catch((err: Error) => {
      logger.warn("could not delete a retired HNSW generation", { keys, error: err });
    });
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
      indexName,
      defaultConfig ?? BUILTIN_DEFAULT_CONFIG,
    );
    const loaded = await this.deps.vectors.load(record);
    const generationId = randomUUID();
    const base = generationStem(record, generationId);
    const candidate = chosen.entry && canReuse(chosen.entry, record) ? chosen.entry : null;
    const graphKey = `${base}.hnsw`;
    const written: string[] = [graphKey];
    try {
      let buildTimeMs = 0;
      // The generation gets its own copy of the trial's graph (server-side, no download), so it
      // never depends on the snapshot, which expires with the bucket's lifecycle rule.
      const reusable =
        candidate && (await this.deps.blobs.copy(candidate.snapshot_key, graphKey))
          ? candidate
          : null;
      if (reusable) {
        this.log(`reusing HNSW snapshot trial=${reusable.trial_id} ${describe(chosen.config)}`);
      } else {
        this.log(`building HNSW ${describe(chosen.config)}`);
        const path = join(tmpdir(), `vectord-generation-${generationId}.hnsw`);
        try {
          const built = await this.deps.runner.build({
            rows: plainRows(loaded),
            metric: record.metric,
            build: chosen.config,
            path,
          });
          buildTimeMs = built.buildTimeMs;
          recordBuild("activation", buildTimeMs);
          await this.deps.blobs.putFile(graphKey, path, "application/octet-stream");
        } finally {
          await rm(path, { force: true });
        }
      }
      const rowsKey = `${base}.rows.json`;
      const rows: GenerationRows = { ids: loaded.ids, metadata: loaded.metadata };
      written.push(rowsKey);
      await this.deps.blobs.put(rowsKey, JSON.stringify(rows), "application/json");

      let replaced: ActiveGeneration | null = null;
      const activated = await retryLostRaces(
        `activate index "${indexName}"`,
        async (attempt) => {
          const current = attempt === 0 ? record : await this.deps.catalog.get(indexName);
          if (!current || current.uid !== record.uid) {
            throw new NotFoundError("index_not_found", `index "${indexName}" does not exist`);
          }
          replaced = current.active;
          const active: ActiveGeneration = {
            generation: (current.active?.generation ?? 0) + 1,
            config: chosen.config,
            data_version: record.dataVersion,
            activated_at: this.now().toISOString(),
            graph_key: graphKey,
            rows_key: rowsKey,
            ...(current.active
              ? {
                  previous: {
                    graph_key: current.active.graph_key,
                    rows_key: current.active.rows_key,
                  },
                }
              : {}),
          };
          return this.deps.catalog.setActive(current, active);
        },
        this.deps.retry ?? DEFAULT_RETRY,
      );
      await this.retire((replaced as ActiveGeneration | null)?.previous);
      recordActivation(performance.now() - started);
      return {
        index_name: indexName,
        generation: (activated.active as ActiveGeneration).generation,
        config: chosen.config,
        config_source: chosen.source,
        build_time_ms: buildTimeMs,
        vectors: loaded.rows,
        reused_snapshot: reusable !== null,
      };
    } catch (err) {
      await this.deps.blobs.deleteKeys(written).catch(() => undefined);
      throw err;
    }
  }
}

/** A trial's graph can serve when it was built from exactly the index's current data. */
function canReuse(entry: PromotionEntry, record: IndexRecord): boolean {
  return (
    entry.index_uid === record.uid &&
    entry.data_version === record.dataVersion &&
    Boolean(entry.snapshot_key)
  );
}
