import { ConflictError, ValidationError } from "../domain/errors";
import { plainRows } from "../domain/exact-search";
import { type Harness, isStale } from "../domain/harness";
import { queryRows } from "../domain/harness-queries";
import { type HeldOut, heldOut } from "../domain/held-out";
import type { IndexRecord } from "../domain/index-record";
import type { LoadedIndex } from "../domain/loaded-index";
import { truthRadii } from "../domain/truth-radii";
import type { HarnessService } from "./harness-service";
import type { HnswRunner } from "./hnsw-runner";
import type { HarnessRows } from "./hnsw-tasks";
import type { VectorStore } from "./vector-store";

/** An index version, its loaded vectors and a harness's queries and truth against it. */
export interface Prepared {
  /** The index version measured. */
  readonly record: IndexRecord;
  /** Its live vectors. */
  readonly loaded: LoadedIndex;
  /** The harness. */
  readonly harness: Harness;
  /** Its queries and ground truth as rows of `loaded`. */
  readonly rows: HarnessRows;
}

/**
 * When the index changed since the harness's ground truth: `refuse` (409 `stale_harness`, the
 * API's rule) or `recompute` exact truth for the current data (autotune, whose runs may overlap
 * writes; the stored harness is left as it is).
 */
export type WhenStale = "refuse" | "recompute";

/** How many prepared (index version, harness) pairs a process keeps. */
const CACHE_SIZE = 2;

/**
 * Prepares what measuring needs, once per process for an index version and a harness version:
 * every build group of a job on a warm function reuses the loaded vectors, the harness and its
 * truth (recomputed once when the harness is stale), instead of loading them per build.
 */
export class HarnessRowsCache {
  private readonly cache = new Map<string, Promise<Prepared>>();

  constructor(
    private readonly deps: { vectors: VectorStore; harnesses: HarnessService; runner: HnswRunner },
  ) {}

  /**
   * The index's live vectors and the harness's queries and truth against them, kept or prepared; a
   * stale harness is handled by `whenStale` (refused, or recomputed once).
   */
  async prepare(indexName: string, harnessName: string, whenStale: WhenStale): Promise<Prepared> {
    const { record, info, stale } = await this.check(indexName, harnessName, whenStale);
    const key = `${record.uid}@${record.dataVersion}/${harnessName}@${info.refreshedAt}`;
    let prepared = this.cache.get(key);
    if (!prepared) {
      prepared = this.compute(record, harnessName, stale);
      this.cache.set(key, prepared);
      prepared.catch(() => this.cache.delete(key));
      while (this.cache.size > CACHE_SIZE)
        this.cache.delete(this.cache.keys().next().value as string);
    }
    return prepared;
  }

  /**
   * Whether harness `harnessName` can measure index `indexName` (both exist, the harness is over
   * that index, and its ground truth is current unless `whenStale` allows otherwise): reads the
   * two records only, and throws the typed error a measurement would.
   */
  async check(indexName: string, harnessName: string, whenStale: WhenStale) {
    const record = await this.deps.vectors.getIndex(indexName);
    const info = await this.deps.harnesses.describe(harnessName);
    if (info.indexName !== indexName) {
      throw new ValidationError(
        `harness "${harnessName}" is over index "${info.indexName}", not "${indexName}"`,
        "harness_index_mismatch",
      );
    }
    const stale = isStale(info, record);
    if (stale && (whenStale === "refuse" || info.indexUid !== record.uid)) {
      const since =
        info.indexUid === record.uid
          ? `data_version ${info.dataVersion}, but index "${indexName}" is at data_version ${record.dataVersion}; POST /vectors/hnsw/evals/${harnessName}/refresh first`
          : `an earlier index "${indexName}", which was deleted and created again`;
      throw new ConflictError(
        "stale_harness",
        `harness "${harnessName}" has ground truth for ${since}`,
      );
    }
    return { record, info, stale };
  }

  private async compute(
    record: IndexRecord,
    harnessName: string,
    stale: boolean,
  ): Promise<Prepared> {
    const [loaded, harness] = await Promise.all([
      this.deps.vectors.load(record),
      this.deps.harnesses.require(harnessName),
    ]);
    const queries = queryRows(harness.queries, harness.vectors, harness.dimension, loaded);
    const held = heldOut(loaded.rows, queries);
    const graphRows = held?.labelRows.length ?? loaded.rows;
    if (graphRows < harness.k) {
      throw new ValidationError(
        `index "${record.name}" has ${loaded.rows} live vectors, ${loaded.rows - graphRows} of them ` +
          `harness "${harnessName}"'s queries, which a trial's graph holds out; the other ` +
          `${graphRows} are fewer than its k=${harness.k}`,
        "index_too_small",
      );
    }
    let truth = stale ? undefined : storedTruth(harness, loaded, held);
    // The data moved on since the harness's ground truth, or its truth names another query's
    // source (saved before sources were held out): measure against exact truth for the data
    // the graphs are built from.
    const plain = plainRows(loaded);
    truth ??= await this.deps.runner.groundTruth({
      rows: plain,
      metric: record.metric,
      queries,
      k: harness.k,
    });
    const radii = truthRadii(plain, record.metric, queries, truth, harness.k);
    const rows = { queries, truth, radii, k: harness.k, ...(held && { held }) };
    return { record, loaded, harness, rows };
  }
}

/**
 * The harness's stored ground truth as rows of `loaded`, or `undefined` when it names a row some
 * query came from: truth saved before every query's source was held out (../domain/held-out.ts),
 * which a graph without those rows could never find.
 */
function storedTruth(
  harness: Harness,
  loaded: LoadedIndex,
  held: HeldOut | undefined,
): Int32Array | undefined {
  const truth = new Int32Array(harness.queries.length * harness.k).fill(-1);
  for (const [q, ids] of harness.groundTruth.entries()) {
    for (const [i, id] of ids.entries()) {
      const row = loaded.rowOf.get(id) ?? -1;
      if (row >= 0 && held?.rowLabels[row] === -1) return undefined;
      truth[q * harness.k + i] = row;
    }
  }
  return truth;
}
