import { randomUUID } from "node:crypto";
import pLimit from "p-limit";
import { evalRoot, STORAGE_AREAS } from "../../infra/storage";
import type { Harness, HarnessInfo, HarnessQuery } from "../domain/harness";
import type { Metric } from "../domain/metric";
import { decodeValues, encodeValues } from "../domain/segment";
import type { BlobStore } from "./ports";

/** Descriptions an orphan sweep reads at once. */
const SWEEP_READS = 16;

/** What every format of `harness.json` holds. */
interface FileHead {
  readonly name: string;
  readonly index_name: string;
  readonly index_uid: string;
  readonly dimension: number;
  readonly metric: Metric;
  readonly k: number;
  readonly vectors_key: string;
  readonly data_version: number;
  readonly origin: Harness["origin"];
  readonly created_at: string;
  readonly refreshed_at: string;
}

/** Format 1 (read, no longer written): queries and ground truth inline. */
interface InlineFile extends FileHead, TruthFile {
  readonly format: 1;
}

/** Format 2: queries and ground truth in an immutable object of their own. */
interface SplitFile extends FileHead {
  readonly format: 2;
  readonly query_count: number;
  /** Where its {@link TruthFile} is. */
  readonly truth_key: string;
}

type HarnessFile = InlineFile | SplitFile;

/** A harness's queries' ids and its ground truth. */
interface TruthFile {
  readonly queries: readonly { id: string; source_id: string | null }[];
  readonly ground_truth: readonly (readonly string[])[];
}

/**
 * Harnesses in S3: `_hnsw_evals/<name>/harness.json`, a small description (index, k, versions,
 * how many queries), which names two immutable objects of its own: the queries' ids with their
 * ground truth (JSON), and the query vectors (Float32 LE). A save writes those two first and the
 * description last in one PUT, so a reader sees either the old harness or the new one, whole, and
 * describing or listing harnesses reads descriptions alone, however many queries they hold.
 * Descriptions of format 1 (queries and ground truth inline) are still read.
 */
export class HarnessStore {
  constructor(private readonly blobs: BlobStore) {}

  /**
   * Stores `harness`, replacing one of the same name whole; the replaced one's queries, ground
   * truth and query vectors are removed.
   */
  async save(harness: Harness): Promise<void> {
    const previous = await this.readFile(harness.name);
    const root = evalRoot(harness.name);
    const id = randomUUID();
    const vectorsKey = `${root}queries-${id}.f32`;
    const truthKey = `${root}truth-${id}.json`;
    const truth: TruthFile = {
      queries: harness.queries.map((q) => ({ id: q.id, source_id: q.sourceId })),
      ground_truth: harness.groundTruth,
    };
    const file: SplitFile = {
      format: 2,
      name: harness.name,
      index_name: harness.indexName,
      index_uid: harness.indexUid,
      dimension: harness.dimension,
      metric: harness.metric,
      k: harness.k,
      query_count: harness.queries.length,
      vectors_key: vectorsKey,
      truth_key: truthKey,
      data_version: harness.dataVersion,
      origin: harness.origin,
      created_at: harness.createdAt,
      refreshed_at: harness.refreshedAt,
    };
    try {
      await Promise.all([
        this.blobs.put(vectorsKey, encodeValues(harness.vectors), "application/octet-stream"),
        this.blobs.put(truthKey, JSON.stringify(truth), "application/json"),
      ]);
      await this.blobs.put(this.fileKey(harness.name), JSON.stringify(file), "application/json");
    } catch (err) {
      // The harness still names the previous objects: these are nobody's.
      await this.blobs.deleteKeys([vectorsKey, truthKey]).catch(() => undefined);
      throw err;
    }
    if (previous) await this.blobs.deleteKeys(ownKeys(previous)).catch(() => undefined);
  }

  /** The harness without its queries, query vectors and ground truth: one small read. */
  async describe(name: string): Promise<HarnessInfo | undefined> {
    const file = await this.readFile(name);
    return file ? infoOf(file) : undefined;
  }

  /** The whole harness: queries, ground truth and query vectors included. */
  async get(name: string): Promise<Harness | undefined> {
    const file = await this.readFile(name);
    if (!file) return undefined;
    const [truth, bytes] = await Promise.all([
      file.format === 1 ? file : this.readJson<TruthFile>(file.truth_key),
      this.blobs.get(file.vectors_key),
    ]);
    if (!truth) {
      throw new Error(
        `harness "${name}" names queries ${(file as SplitFile).truth_key}, which are missing`,
      );
    }
    if (!bytes) {
      throw new Error(`harness "${name}" names vectors ${file.vectors_key}, which are missing`);
    }
    const { queryCount: _, ...info } = infoOf(file);
    return {
      ...info,
      queries: truth.queries.map((q): HarnessQuery => ({ id: q.id, sourceId: q.source_id })),
      groundTruth: truth.ground_truth,
      vectors: decodeValues(bytes, truth.queries.length * file.dimension),
    };
  }

  /**
   * Up to `limit` harness names in name order, after `after` when given (a folder holding no
   * description yet, a save cut short, is listed too: {@link describe} finds nothing there).
   */
  names(limit: number, after?: string): Promise<string[]> {
    return this.blobs.listChildren(STORAGE_AREAS.evals.listPrefix, {
      limit,
      ...(after !== undefined && { after }),
    });
  }

  /**
   * Deletes the harness: its description first, so no reader finds it naming removed objects,
   * then its queries, ground truth and query vectors. `false` when there was none.
   */
  async delete(name: string): Promise<boolean> {
    const file = await this.readFile(name);
    if (!file) return false;
    await this.blobs.deleteKeys([this.fileKey(name)]);
    await this.blobs.deleteKeys(ownKeys(file));
    return true;
  }

  private fileKey(name: string): string {
    return `${evalRoot(name)}harness.json`;
  }

  /**
   * Removes the objects under the harnesses' folders that no description names and that were
   * last written before `cutoff` (epoch ms): those a save or a deletion left when it crashed
   * between its writes (a save writes its objects first, so work in flight is younger than any
   * grace period). Lists first, then reads each folder's description: what it names by then is
   * kept. How many objects it removed.
   */
  async sweepOrphans(cutoff: number): Promise<number> {
    const prefix = STORAGE_AREAS.evals.listPrefix;
    const byName = new Map<string, { key: string; lastModified: Date }[]>();
    for (const object of await this.blobs.list(prefix)) {
      const name = object.key.slice(prefix.length).split("/")[0] as string;
      const group = byName.get(name) ?? [];
      group.push(object);
      byName.set(name, group);
    }
    const orphans: string[] = [];
    const limit = pLimit(SWEEP_READS);
    await Promise.all(
      [...byName].map(([name, objects]) =>
        limit(async () => {
          const file = await this.readFile(name);
          const kept = new Set(file ? [this.fileKey(name), ...ownKeys(file)] : []);
          for (const o of objects) {
            if (!kept.has(o.key) && o.lastModified.getTime() <= cutoff) orphans.push(o.key);
          }
        }),
      ),
    );
    if (orphans.length > 0) await this.blobs.deleteKeys(orphans);
    return orphans.length;
  }

  private readFile(name: string): Promise<HarnessFile | undefined> {
    return this.readJson<HarnessFile>(this.fileKey(name));
  }

  private async readJson<T>(key: string): Promise<T | undefined> {
    const bytes = await this.blobs.get(key);
    return bytes ? (JSON.parse(Buffer.from(bytes).toString("utf8")) as T) : undefined;
  }
}

/** The objects a description names (removed with it). */
function ownKeys(file: HarnessFile): string[] {
  return file.format === 1 ? [file.vectors_key] : [file.vectors_key, file.truth_key];
}

function infoOf(file: HarnessFile): HarnessInfo {
  return {
    name: file.name,
    indexName: file.index_name,
    indexUid: file.index_uid,
    dimension: file.dimension,
    metric: file.metric,
    k: file.k,
    queryCount: file.format === 1 ? file.queries.length : file.query_count,
    dataVersion: file.data_version,
    origin: file.origin,
    createdAt: file.created_at,
    refreshedAt: file.refreshed_at,
  };
}
