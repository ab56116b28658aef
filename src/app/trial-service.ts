import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monotonicFactory } from "ulid";
import { snapshotStem } from "../../infra/storage";
import { NotFoundError } from "../domain/errors";
import { plainRows } from "../domain/exact-search";
import type { BuildParams, HnswConfig } from "../domain/hnsw-config";
import { labelsKeyOf, labelsOfRows } from "../domain/label-map";
import { RECALL_RULE, type Trial, type TrialSource } from "../domain/trial";
import { recordBuild } from "../telemetry";
import { HarnessRowsCache, type Prepared, type WhenStale } from "./harness-rows";
import type { HarnessService } from "./harness-service";
import type { HnswRunner } from "./hnsw-runner";
import type { MeasureResult, SearchResultSummary } from "./hnsw-tasks";
import type { BlobStore, TrialJournal } from "./ports";
import type { VectorStore } from "./vector-store";

/** The ports and services {@link TrialService} is built from (see `createServices`). */
export interface TrialServiceDeps {
  readonly blobs: BlobStore;
  readonly journal: TrialJournal;
  readonly vectors: VectorStore;
  readonly harnesses: HarnessService;
  readonly runner: HnswRunner;
  readonly now?: () => Date;
}

/** What every measuring request names: the index, the harness, and who the trials belong to. */
interface MeasureRequest {
  readonly indexName: string;
  readonly harness: string;
  readonly source: TrialSource;
  readonly note?: string | null | undefined;
  readonly jobId?: string | undefined;
  /** See {@link WhenStale}; the API's trials refuse, autotune recomputes. */
  readonly whenStale?: WhenStale;
}

/** A group of trials sharing one graph: the same (m, ef_construction, seed), several ef_search. */
export interface BuildGroupRequest extends MeasureRequest {
  /** The graph's build parameters. */
  readonly build: BuildParams;
  /** Every ef_search to measure on it, one trial each. */
  readonly efSearches: readonly number[];
}

/** One graph, and the smallest ef_search on it that reaches `target` (a `target_recall` build). */
export interface TargetBuildRequest extends MeasureRequest {
  /** The graph's build parameters. */
  readonly build: BuildParams;
  /** The recall@k to reach. */
  readonly target: number;
  /** The largest ef_search to try. */
  readonly maxEfSearch: number;
}

/** A graph already measured, to measure again beside others (its build's figures carry over). */
export interface Finalist {
  /** Its graph's snapshot. */
  readonly snapshot_key: string;
  /** The config it is measured at. */
  readonly config: HnswConfig;
  /** Its build's time, ms (carried over). */
  readonly build_time_ms: number;
  /** Its graph's size (carried over). */
  readonly memory_bytes: number;
}

/**
 * Trial use cases: build a graph with a config, measure it against a harness's exact ground
 * truth, keep the graph as a snapshot and append the results to the journal.
 */
export class TrialService {
  private readonly deps: TrialServiceDeps;
  private readonly now: () => Date;
  private readonly newTrialId = monotonicFactory();
  private readonly rows: HarnessRowsCache;

  constructor(deps: TrialServiceDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => new Date());
    this.rows = new HarnessRowsCache(deps);
  }

  /**
   * Throws the typed error {@link run} would for `request` before building anything (unknown
   * index or harness, a harness over another index, stale ground truth); reads two records.
   */
  async check(request: { indexName: string; harness: string }): Promise<void> {
    await this.rows.check(request.indexName, request.harness, "refuse");
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
    const prepared = await this.prepare(request);
    return this.withSnapshot(prepared, request, async (snapshotPath) => {
      const result = await this.deps.runner.measure({
        rows: plainRows(prepared.loaded),
        metric: prepared.record.metric,
        build: request.build,
        ...prepared.rows,
        efSearches: request.efSearches,
        snapshotPath,
      });
      return { result, value: (trials: Trial[]) => trials };
    });
  }

  /**
   * Builds one graph and finds the smallest ef_search reaching `target` on it (a binary search
   * over ef); every probed ef_search becomes a trial. `found` is that trial, or `null`.
   */
  async runTargetBuild(
    request: TargetBuildRequest,
  ): Promise<{ trials: Trial[]; found: Trial | null }> {
    const prepared = await this.prepare(request);
    return this.withSnapshot(prepared, request, async (snapshotPath) => {
      const k = prepared.rows.k;
      const result = await this.deps.runner.tune({
        rows: plainRows(prepared.loaded),
        metric: prepared.record.metric,
        build: request.build,
        ...prepared.rows,
        target: request.target,
        minEfSearch: Math.max(10, k),
        maxEfSearch: Math.max(10, k, request.maxEfSearch),
        snapshotPath,
      });
      return {
        result,
        value: (trials: Trial[]) => ({
          trials,
          found: trials.find((t) => t.config.ef_search === result.found) ?? null,
        }),
      };
    });
  }

  /**
   * Measures finalists again side by side in one process, with `passes` interleaved passes, so
   * their latencies are comparable; each becomes a new trial (note `runoff`) naming its graph.
   */
  async runRunoff(
    request: MeasureRequest & { finalists: readonly Finalist[]; passes: number },
  ): Promise<Trial[]> {
    const prepared = await this.prepare(request);
    const dir = join(tmpdir(), `vectord-runoff-${randomUUID()}`);
    const paths = request.finalists.map((_, i) => `${dir}-${i}.hnsw`);
    try {
      await Promise.all(
        request.finalists.map(async (f, i) => {
          if (!(await this.deps.blobs.getToFile(f.snapshot_key, paths[i] as string))) {
            throw new NotFoundError("snapshot_not_found", `graph ${f.snapshot_key} is gone`);
          }
        }),
      );
      const searches = await this.deps.runner.runoff({
        metric: prepared.record.metric,
        dimension: prepared.record.dimension,
        ...prepared.rows,
        finalists: request.finalists.map((f, i) => ({
          path: paths[i] as string,
          efSearch: f.config.ef_search,
        })),
        passes: request.passes,
      });
      const trials = request.finalists.map((f, i) =>
        this.trialOf(prepared, request, f.config, searches[i] as SearchResultSummary, {
          snapshotKey: f.snapshot_key,
          buildTimeMs: f.build_time_ms,
          memoryBytes: f.memory_bytes,
        }),
      );
      await this.append(trials);
      return trials;
    } finally {
      await Promise.all(paths.map((p) => rm(p, { force: true })));
    }
  }

  private prepare(request: MeasureRequest): Promise<Prepared> {
    return this.rows.prepare(request.indexName, request.harness, request.whenStale ?? "refuse");
  }

  /**
   * Runs a measurement that writes its graph to a temporary file, keeps the graph in S3 as the
   * trials' snapshot, and appends one trial per measured ef_search. Nothing names a snapshot
   * unless a trial made it into the journal, so a failure removes it.
   */
  private async withSnapshot<T>(
    prepared: Prepared,
    request: MeasureRequest & { build: BuildParams },
    measure: (
      snapshotPath: string,
    ) => Promise<{ result: MeasureResult; value: (trials: Trial[]) => T }>,
  ): Promise<T> {
    const snapshotPath = join(tmpdir(), `vectord-graph-${randomUUID()}.hnsw`);
    try {
      const { result, value } = await measure(snapshotPath);
      recordBuild(request.source, result.buildTimeMs);
      const snapshotKey = `${snapshotStem(prepared.record, randomUUID())}.hnsw`;
      // The graph travels with its label map: label l is the l-th row of this load the graph
      // holds (all but the harness's held-out rows), with its version.
      const labelsKey = labelsKeyOf(snapshotKey);
      const trials = result.searches.map((s) =>
        this.trialOf(prepared, request, { ...request.build, ef_search: s.efSearch }, s, {
          snapshotKey,
          buildTimeMs: result.buildTimeMs,
          memoryBytes: result.memoryBytes,
        }),
      );
      try {
        await this.deps.blobs.putFile(snapshotKey, snapshotPath, "application/octet-stream");
        const held = prepared.rows.held?.labelRows;
        const labels = JSON.stringify(labelsOfRows(prepared.loaded, held));
        await this.deps.blobs.put(labelsKey, labels, "application/json");
        await this.append(trials);
      } catch (err) {
        const appended = await this.deps.journal
          .get(prepared.record.name, (trials[0] as Trial).trial_id)
          .catch(() => undefined);
        if (!appended) {
          await this.deps.blobs.deleteKeys([snapshotKey, labelsKey]).catch(() => undefined);
        }
        throw err;
      }
      return value(trials);
    } finally {
      await rm(snapshotPath, { force: true });
    }
  }

  private async append(trials: readonly Trial[]): Promise<void> {
    for (const trial of trials) await this.deps.journal.append(trial);
  }

  private trialOf(
    prepared: Prepared,
    request: MeasureRequest,
    config: HnswConfig,
    s: SearchResultSummary,
    graph: { snapshotKey: string; buildTimeMs: number; memoryBytes: number },
  ): Trial {
    const { record, harness } = prepared;
    return {
      trial_id: this.newTrialId(),
      index_name: record.name,
      harness: harness.name,
      config,
      metrics: {
        recall_at_k: s.recall,
        recall_stderr: Math.round(s.recallStderr * 1e6) / 1e6,
        recall_rule: RECALL_RULE,
        k: harness.k,
        search_latency_p50_us: s.p50Us,
        search_latency_p95_us: s.p95Us,
        search_latency_p99_us: s.p99Us,
        build_time_ms: graph.buildTimeMs,
        memory_bytes: graph.memoryBytes,
        queries: harness.queries.length,
      },
      data_version: record.dataVersion,
      source: request.source,
      note: request.note ?? null,
      created_at: this.now().toISOString(),
      ...(request.jobId ? { job_id: request.jobId } : {}),
      snapshot_key: graph.snapshotKey,
      index_uid: record.uid,
    };
  }
}
