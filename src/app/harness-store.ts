import { randomUUID } from "node:crypto";
import { evalRoot, STORAGE_AREAS } from "../../infra/storage";
import type { Harness, HarnessInfo, HarnessQuery } from "../domain/harness";
import type { Metric } from "../domain/metric";
import { decodeValues, encodeValues } from "../domain/segment";
import type { BlobStore } from "./ports";

interface HarnessFile {
  readonly format: 1;
  readonly name: string;
  readonly index_name: string;
  readonly index_uid: string;
  readonly dimension: number;
  readonly metric: Metric;
  readonly k: number;
  readonly queries: readonly { id: string; source_id: string | null }[];
  readonly vectors_key: string;
  readonly ground_truth: readonly (readonly string[])[];
  readonly data_version: number;
  readonly origin: Harness["origin"];
  readonly created_at: string;
  readonly refreshed_at: string;
}

/**
 * Harnesses in S3: `_hnsw_evals/<name>/harness.json` (queries' ids, ground truth, versions) and
 * the query vectors as Float32 LE in a blob it names. A save writes the vectors first and the
 * JSON last in one PUT, so a reader sees either the old harness or the new one, whole.
 */
export class HarnessStore {
  constructor(private readonly blobs: BlobStore) {}

  /**
   * Stores `harness`, replacing one of the same name whole; the replaced one's query vectors are
   * removed.
   */
  async save(harness: Harness): Promise<void> {
    const previous = await this.readFile(harness.name);
    const vectorsKey = `${evalRoot(harness.name)}queries-${randomUUID()}.f32`;
    await this.blobs.put(vectorsKey, encodeValues(harness.vectors), "application/octet-stream");
    const file: HarnessFile = {
      format: 1,
      name: harness.name,
      index_name: harness.indexName,
      index_uid: harness.indexUid,
      dimension: harness.dimension,
      metric: harness.metric,
      k: harness.k,
      queries: harness.queries.map((q) => ({ id: q.id, source_id: q.sourceId })),
      vectors_key: vectorsKey,
      ground_truth: harness.groundTruth,
      data_version: harness.dataVersion,
      origin: harness.origin,
      created_at: harness.createdAt,
      refreshed_at: harness.refreshedAt,
    };
    try {
      await this.blobs.put(this.fileKey(harness.name), JSON.stringify(file), "application/json");
    } catch (err) {
      // The harness still names the previous vectors: these are nobody's.
      await this.blobs.deleteKeys([vectorsKey]).catch(() => undefined);
      throw err;
    }
    if (previous && previous.vectors_key !== vectorsKey) {
      await this.blobs.deleteKeys([previous.vectors_key]).catch(() => undefined);
    }
  }

  /** The harness without its query vectors: one small read. */
  async describe(name: string): Promise<HarnessInfo | undefined> {
    const file = await this.readFile(name);
    return file ? infoOf(file) : undefined;
  }

  /** The whole harness, query vectors included. */
  async get(name: string): Promise<Harness | undefined> {
    const file = await this.readFile(name);
    if (!file) return undefined;
    const bytes = await this.blobs.get(file.vectors_key);
    if (!bytes) {
      throw new Error(`harness "${name}" names vectors ${file.vectors_key}, which are missing`);
    }
    return { ...infoOf(file), vectors: decodeValues(bytes, file.queries.length * file.dimension) };
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
   * Deletes the harness: its description first, so no reader finds it naming removed vectors,
   * then its query vectors. `false` when there was none.
   */
  async delete(name: string): Promise<boolean> {
    const file = await this.readFile(name);
    if (!file) return false;
    await this.blobs.deleteKeys([this.fileKey(name)]);
    await this.blobs.deleteKeys([file.vectors_key]);
    return true;
  }

  private fileKey(name: string): string {
    return `${evalRoot(name)}harness.json`;
  }

  private async readFile(name: string): Promise<HarnessFile | undefined> {
    const bytes = await this.blobs.get(this.fileKey(name));
    return bytes ? (JSON.parse(Buffer.from(bytes).toString("utf8")) as HarnessFile) : undefined;
  }
}

function infoOf(file: HarnessFile): HarnessInfo {
  return {
    name: file.name,
    indexName: file.index_name,
    indexUid: file.index_uid,
    dimension: file.dimension,
    metric: file.metric,
    k: file.k,
    queries: file.queries.map((q): HarnessQuery => ({ id: q.id, sourceId: q.source_id })),
    groundTruth: file.ground_truth,
    dataVersion: file.data_version,
    origin: file.origin,
    createdAt: file.created_at,
    refreshedAt: file.refreshed_at,
  };
}
