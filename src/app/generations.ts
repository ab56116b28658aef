import { randomUUID } from "node:crypto";
import { generationStem } from "../../infra/storage";
import { ConflictError, indexGone } from "../domain/errors";
import type { HnswConfig } from "../domain/hnsw-config";
import {
  type ActiveGeneration,
  type GraphBase,
  generationKeysOf,
  type IndexRecord,
} from "../domain/index-record";
import type { GenerationRows } from "../domain/label-map";
import { logger } from "../logger";
import { uploadGraph } from "./graph-patch";
import type { BlobStore, IndexCatalog } from "./ports";
import { DEFAULT_RETRY, type RetryPolicy, retryLostRaces } from "./retry";

/** Where a new generation's objects go. */
export interface GenerationKeys {
  /** The graph's key (`.hnsw`). */
  readonly graphKey: string;
  /** Its label map's key (`.rows.json`). */
  readonly rowsKey: string;
}

/**
 * Fresh keys for a new generation's graph and label map of `record`'s incarnation: a random stem,
 * so two builders never write the same object.
 */
export function newGenerationKeys(record: IndexRecord): GenerationKeys {
  const stem = generationStem(record, randomUUID());
  return { graphKey: `${stem}.hnsw`, rowsKey: `${stem}.rows.json` };
}

/**
 * The active-generation pointer of an index, and the objects it points at. A flip is one
 * conditional write on the generation it replaces, and newest data wins: a generation built from
 * older data than the active one never replaces it (409 `stale_activation`). S3 keeps the active
 * generation and the one before it (a warm searcher may still be loading it); older ones are
 * deleted at the next flip.
 */
export class Generations {
  constructor(
    private readonly deps: {
      catalog: IndexCatalog;
      blobs: BlobStore;
      retry?: RetryPolicy;
      now?: () => Date;
    },
  ) {}

  /**
   * Writes a generation's graph (from the file `graphPath`, unless it is in place already; as a
   * patch over `base` when that is small enough) and its label map (ids, versions, metadata) at
   * once. On any failure removes both, so nothing half-written stays behind. Returns the base
   * the stored graph needs, if any.
   */
  async write(
    keys: GenerationKeys,
    rows: GenerationRows,
    graphPath: string | null,
    base?: GraphBase,
  ): Promise<GraphBase | undefined> {
    // Both settle before any cleanup, so a failed upload never races a late one.
    const [graph, rowsWritten] = await Promise.allSettled([
      graphPath ? uploadGraph(this.deps.blobs, keys.graphKey, graphPath, base) : undefined,
      this.deps.blobs.put(keys.rowsKey, JSON.stringify(rows), "application/json"),
    ]);
    const failed = [graph, rowsWritten].find((u) => u.status === "rejected");
    if (failed) {
      await this.discard(keys);
      throw failed.reason;
    }
    return graph.status === "fulfilled" ? graph.value : undefined;
  }

  /** Removes what a generation that never became active wrote. */
  async discard(keys: GenerationKeys): Promise<void> {
    await this.deps.blobs.deleteKeys([keys.graphKey, keys.rowsKey]).catch(() => undefined);
  }

  /**
   * Makes the generation at `keys`, built from `dataVersion` with `config`, the active one,
   * retrying lost races; refuses when the active generation was built from newer data, and, with
   * `replacing` (a catch-up's flip: the generation it replaces), when the active generation is no
   * longer that one (409 `generation_replaced`: a catch-up never undoes an activation that
   * flipped while it ran). An activation's flip (no `replacing`) bumps the index's activations. A generation stored as a
   * patch over `base` flips only while the generation it replaces still holds that base (the
   * base then stays, as the previous generation's), else 409 `generation_replaced`.
   */
  async flip(
    record: IndexRecord,
    keys: GenerationKeys,
    config: HnswConfig,
    dataVersion: number,
    options: Pick<ActiveGeneration, "deleted_labels" | "labels"> & {
      replacing?: number;
      base?: GraphBase | undefined;
    } = {},
  ): Promise<ActiveGeneration> {
    const { replacing, base, ...extra } = options;
    let replaced: ActiveGeneration | null = null;
    const flipped = await retryLostRaces(
      `activate index "${record.name}"`,
      async (attempt) => {
        const current = attempt === 0 ? record : await this.deps.catalog.get(record.name);
        if (!current || current.uid !== record.uid) {
          throw indexGone(record.name, current !== undefined);
        }
        if (current.active && current.active.data_version > dataVersion) {
          throw new ConflictError(
            "stale_activation",
            `index "${record.name}" already serves generation ${current.active.generation}, built from data_version ` +
              `${current.active.data_version}; this graph was built from data_version ${dataVersion} (older), so it does not replace it`,
          );
        }
        if (replacing !== undefined && current.active?.generation !== replacing) {
          throw new ConflictError(
            "generation_replaced",
            `index "${record.name}" now serves generation ${current.active?.generation ?? "none"}, not ${replacing}, which this graph was made from`,
          );
        }
        if (base && !holdsBase(current.active, base.key)) {
          throw new ConflictError(
            "generation_replaced",
            `index "${record.name}" now serves generation ${current.active?.generation ?? "none"}, which no longer keeps the graph ${base.key} this one patches; activate again`,
          );
        }
        replaced = current.active;
        const activations = current.active?.activations ?? 0;
        const active: ActiveGeneration = {
          generation: (current.active?.generation ?? 0) + 1,
          // A catch-up (`replacing`) keeps the count; an activation bumps it.
          activations: replacing === undefined ? activations + 1 : activations,
          config,
          data_version: dataVersion,
          activated_at: (this.deps.now?.() ?? new Date()).toISOString(),
          graph_key: keys.graphKey,
          rows_key: keys.rowsKey,
          ...(base ? { graph_base: base } : {}),
          ...extra,
          ...(current.active
            ? {
                previous: {
                  graph_key: current.active.graph_key,
                  rows_key: current.active.rows_key,
                  ...(current.active.graph_base
                    ? { graph_base_key: current.active.graph_base.key }
                    : {}),
                  data_version: current.active.data_version,
                },
              }
            : {}),
        };
        return this.deps.catalog.setActive(current, active);
      },
      this.deps.retry ?? DEFAULT_RETRY,
    );
    const active = flipped.active as ActiveGeneration;
    await this.retire((replaced as ActiveGeneration | null)?.previous, active);
    return active;
  }

  /** Deletes a generation two flips old, but no object `active` still keeps (a shared base). */
  private async retire(
    old: ActiveGeneration["previous"] | undefined,
    active: ActiveGeneration,
  ): Promise<void> {
    if (!old) return;
    const kept = new Set(generationKeysOf(active));
    const keys = [old.graph_key, old.rows_key, old.graph_base_key]
      .filter((key): key is string => key !== undefined)
      .filter((key) => !kept.has(key));
    if (keys.length === 0) return;
    await this.deps.blobs.deleteKeys(keys).catch((err: Error) => {
      logger.warn("could not delete a retired HNSW generation", { keys, error: err });
    });
  }
}

/** Whether `active` keeps the whole graph file at `key` (as its graph or its graph's base). */
function holdsBase(active: ActiveGeneration | null | undefined, key: string): boolean {
  return active?.graph_key === key || active?.graph_base?.key === key;
}
