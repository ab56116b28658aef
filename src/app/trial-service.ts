import { randomUUID } from "node:crypto";
import { readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicFactory } from "ulid";
import { snapshotStem } from "../../infra/storage";
import { ConflictError, NotFoundError, ValidationError } from "../domain/errors";
import { plainRows } from "../domain/exact-search";
import { type Harness, isStale } from "../domain/harness";
import type { BuildParams, HnswConfig } from "../domain/hnsw-config";
import type { IndexRecord } from "../domain/index-record";
import { bestTrial, type Trial, type TrialSource } from "../domain/trial";
import { recordBuild } from "../telemetry";
import type { HarnessService } from "./harness-service";
import { queryRows } from "./harness-service";
import type { HnswRunner } from "./hnsw-runner";
import type { BlobStore, Page, TrialJournal } from "./ports";
import type { VectorStore } from "./vector-store";

export interface TrialServiceDeps {
  readonly blobs: BlobStore;
  readonly journal: TrialJournal;
  readonly vectors: VectorStore;
  readonly harnesses: HarnessService;
  readonly runner: HnswRunner;
  readonly now?: () => Date;
}

/** A group of trials sharing one graph: the same (m, ef_construction, seed), several ef_search. */
export interface BuildGroupRequest {
  readonly indexName: string;
  readonly harness: string;
  readonly build: BuildParams;
  readonly efSearches: readonly number[];
  readonly source: TrialSource;
  readonly note?: string | null | undefined;
  readonly jobId?: string | undefined;
  /**
   * When the index changed since the harness's ground truth: `refuse` (409 `stale_harness`, the
   * API's rule) or `recompute` exact truth for the current data (autotune, whose runs may overlap
   * writes).
   */
  readonly whenStale?: "refuse" | "recompute";
}

/**
 * Trial use cases: build a graph with a config, measure it against a harness's exact ground
 * truth, keep the graph as a snapshot and append the result to the journal.
 */
export class TrialService {
  private readonly deps: TrialServiceDeps;
  private readonly now: () => Date;
  private readonly newTrialId = monotonicFactory();

  constructor(deps: TrialServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
  }

  /** One manual trial of one config. */
  async run(request: {
    indexName: string;
    harness: string;
    config: HnswConfig;
    note?: string | null | undefined;
  }): Promise<Trial> {
    const { ef_search, ...build } = request.config;
    const [trial] = await this.runBuildGroup({
      indexName: request.indexName,
      harness: request.harness,
      build,
      efSearches: [ef_search],
      source: "manual",
      note: request.note,
    });
    return trial as Trial;
  }

  /**
   * Builds one graph and measures each ef_search on it: one trial per ef_search, all appended
   * to the journal, all naming the same snapshot.
   */
  async runBuildGroup(request: BuildGroupRequest): Promise<Trial[]> {
    const { harness, record, stale } = await this.freshHarness(
      request.indexName,
      request.harness,
      request.whenStale ?? "refuse",
    );
    const loaded = await this.deps.vectors.load(record);
    const queries = queryRows(harness.queries, harness.vectors, harness.dimension, loaded);
    let truth: Int32Array;
    if (stale) {
      // The data moved on since the harness's ground truth: measure against exact truth for the
      // data this graph is built from (the stored harness is left as it is).
      truth = await this.deps.runner.groundTruth({
        rows: plainRows(loaded),
        metric: record.metric,
        queries,
        k: harness.k,
      });
    } else {
      truth = new Int32Array(harness.queries.length * harness.k).fill(-1);
      harness.groundTruth.forEach((ids, q) => {
        ids.forEach((id, i) => {
          truth[q * harness.k + i] = loaded.rowOf.get(id) ?? -1;
        });
      });
    }

    const snapshotPath = join(tmpdir(), `vectord-graph-${randomUUID()}.hnsw`);
    try {
      const result = await this.deps.runner.measure({
        rows: plainRows(loaded),
        metric: record.metric,
        build: request.build,
        queries,
        truth,
        k: harness.k,
        efSearches: request.efSearches,
        snapshotPath,
      });
      recordBuild(request.source, result.buildTimeMs);
      const snapshotKey = `${snapshotStem(record, randomUUID())}.hnsw`;
      await this.deps.blobs.put(
        snapshotKey,
        await readFile(snapshotPath),
        "application/octet-stream",
      );
      const createdAt = this.now().toISOString();
      const trials = result.searches.map(
        (s): Trial => ({
          trial_id: this.newTrialId(),
          index_name: record.name,
          harness: harness.name,
          config: { ...request.build, ef_search: s.efSearch },
          metrics: {
            recall_at_k: s.recall,
            k: harness.k,
            search_latency_p50_us: s.p50Us,
            search_latency_p95_us: s.p95Us,
            search_latency_p99_us: s.p99Us,
            build_time_ms: result.buildTimeMs,
            memory_bytes: result.memoryBytes,
            queries: harness.queries.length,
          },
          data_version: record.dataVersion,
          source: request.source,
          note: request.note ?? null,
          created_at: createdAt,
          ...(request.jobId ? { job_id: request.jobId } : {}),
          snapshot_key: snapshotKey,
          index_uid: record.uid,
        }),
      );
      try {
        for (const trial of trials) await this.deps.journal.append(trial);
      } catch (err) {
        // Nothing names the snapshot unless a trial made it into the journal.
        const appended = await this.deps.journal.get(record.name, (trials[0] as Trial).trial_id);
        if (!appended) await this.deps.blobs.deleteKeys([snapshotKey]).catch(() => undefined);
        throw err;
      }
      return trials;
    } finally {
      await rm(snapshotPath, { force: true });
    }
  }

  async list(indexName: string, limit: number, cursor?: string): Promise<Page<Trial>> {
    await this.deps.vectors.getIndex(indexName);
    return this.deps.journal.list(indexName, limit, cursor);
  }

  async get(indexName: string, trialId: string): Promise<Trial> {
    await this.deps.vectors.getIndex(indexName);
    const trial = await this.deps.journal.get(indexName, trialId);
    if (!trial) {
      throw new NotFoundError("trial_not_found", `index "${indexName}" has no trial "${trialId}"`);
    }
    return trial;
  }

  /** Max recall@k, then min p50, among trials with recall@k >= minRecall. */
  async best(indexName: string, minRecall: number): Promise<Trial> {
    await this.deps.vectors.getIndex(indexName);
    const trials: Trial[] = [];
    for await (const t of this.deps.journal.all(indexName)) trials.push(t);
    const best = bestTrial(trials, minRecall);
    if (!best) {
      throw new NotFoundError(
        "no_trial_meets_gate",
        `none of the ${trials.length} trials of index "${indexName}" reaches recall_at_k >= ${minRecall}`,
      );
    }
    return best;
  }

  /** The harness and the index, refusing a harness of another index or with stale ground truth. */
  private async freshHarness(
    indexName: string,
    name: string,
    whenStale: "refuse" | "recompute",
  ): Promise<{ harness: Harness; record: IndexRecord; stale: boolean }> {
    const record = await this.deps.vectors.getIndex(indexName);
    const harness = await this.deps.harnesses.require(name);
    if (harness.indexName !== indexName) {
      throw new ValidationError(
        `harness "${name}" is over index "${harness.indexName}", not "${indexName}"`,
        "harness_index_mismatch",
      );
    }
    const stale = isStale(harness, record);
    if (stale && whenStale === "refuse") {
      const since =
        harness.indexUid === record.uid
          ? `data_version ${harness.dataVersion}, but index "${indexName}" is at data_version ${record.dataVersion}`
          : `an earlier index "${indexName}", which was deleted and created again`;
      throw new ConflictError(
        "stale_harness",
        `harness "${name}" has ground truth for ${since}; POST /vectors/hnsw/evals/${name}/refresh first`,
      );
    }
    if (stale && harness.indexUid !== record.uid) {
      throw new ConflictError(
        "stale_harness",
        `harness "${name}" was made for an earlier index "${indexName}", which was deleted and created again`,
      );
    }
    return { harness, record, stale };
  }
}
