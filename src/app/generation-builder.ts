import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pLimit from "p-limit";
import { plainRows } from "../domain/exact-search";
import {
  applyChanges,
  changesFromLoaded,
  changesFromTail,
  type GraphChanges,
} from "../domain/graph-changes";
import type { HnswConfig } from "../domain/hnsw-config";
import type { ActiveGeneration, GraphBase, GraphRef, IndexRecord } from "../domain/index-record";
import {
  type GenerationRows,
  generationRows,
  holdsExactly,
  type LabelMap,
  labelsOf,
} from "../domain/label-map";
import type { LoadedIndex } from "../domain/loaded-index";
import { maintenanceOf, rebuildDue } from "../domain/maintenance";
import { tailSince } from "../domain/tail";
import { recordBuild } from "../telemetry";
import { type GenerationKeys, type Generations, newGenerationKeys } from "./generations";
import type { GraphFileCache } from "./graph-file-cache";
import { type GraphFile, GraphMissingError, withGraphFile } from "./graph-inputs";
import { graphFileHeader } from "./graph-patch";
import type { HnswRunner } from "./hnsw-runner";
import type { BlobStore } from "./ports";
import type { SegmentStore } from "./segment-store";
import type { VectorStore } from "./vector-store";

/** Segments one tail read fetches at once. */
const READ_CONCURRENCY = 16;

/**
 * A generation written to storage but not active yet: its objects, its label map, and how it
 * was made (`copied`: the graph as it was; `caught_up`: a copy with new vectors added and
 * replaced or deleted ones marked; `built`: built in full).
 */
export interface PreparedGeneration {
  /** Where the graph and its label map are stored. */
  readonly keys: GenerationKeys;
  /** The graph's label map. */
  readonly rows: GenerationRows;
  /** The data_version the graph holds. */
  readonly dataVersion: number;
  /** How the graph was made (see `ActivationResult.graph`). */
  readonly method: "copied" | "caught_up" | "built";
  /** Labels added to an existing graph (all of them when built). */
  readonly added: number;
  /** Labels marked deleted by this catch-up. */
  readonly deleted: number;
  /** Time spent in hnswlib (build or catch-up), ms. */
  readonly timeMs: number;
  /** The whole graph file the stored graph patches; absent when it was stored whole. */
  readonly base?: GraphBase | undefined;
  /**
   * The graph a catch-up started from: `held` (the graph this instance built or caught up last,
   * still in its generation thread's memory: no file read), `kept` (that graph's file, read from its disk) or
   * `downloaded` (from storage); absent when none was read (built in full, or copied).
   */
  readonly graphFrom?: GraphSource | undefined;
}

/** Where a catch-up's graph came from (see {@link PreparedGeneration.graphFrom}). */
export type GraphSource = "held" | "kept" | "downloaded";

/** The ports and services {@link GenerationBuilder} is built from (see `createServices`). */
export interface GenerationBuilderDeps {
  readonly blobs: BlobStore;
  readonly vectors: VectorStore;
  readonly segments: SegmentStore;
  readonly runner: HnswRunner;
  readonly generations: Generations;
  /** The last graph file this process wrote, kept for the next catch-up (none: always download). */
  readonly files?: GraphFileCache;
}

/**
 * Makes the graph of a new generation with as little work as the data allows, for catch-ups and
 * activations: an existing graph (the active one, or a trial's) is copied when it holds exactly
 * the index's data, caught up when it does not (a copy gets the rows written since, resized and
 * added, and marks the labels of deleted or replaced rows deleted with hnswlib's markDelete),
 * and rebuilt in full once deleted labels would pass the index's `rebuild_deleted_fraction`.
 * The result is written to storage (graph and label map, or neither) but not active: the caller
 * flips the pointer, or discards it.
 */
export class GenerationBuilder {
  constructor(private readonly deps: GenerationBuilderDeps) {}

  /**
   * Prepares the active graph caught up with the index's data as of `record` (or a fresher
   * record, if a compaction removed a segment `record` names): only the words written since the
   * graph's data are read. Rebuilds with `config` instead past the deleted-label threshold.
   */
  async followActive(
    record: IndexRecord,
    active: ActiveGeneration,
    config: HnswConfig = active.config,
  ): Promise<PreparedGeneration> {
    // The label map, the tail and the graph itself are fetched at once.
    return withGraphFile(this.deps, record.name, active, async (graph) => {
      const [rows, { read, tail }] = await Promise.all([
        this.readRows(active.rows_key),
        this.deps.vectors.readFresh(record, (r) => this.tailOf(r, active.data_version)),
      ]);
      const changes = changesFromTail(rows, tail);
      if (rebuildDue(rows, changes, maintenanceOf(read).rebuild_deleted_fraction)) {
        return this.rebuild(read, await this.deps.vectors.load(read), config);
      }
      const metadata = (label: number) => rows.metadata[label] ?? null;
      return this.apply(read, graph, { ref: active, patchable: true }, rows, changes, metadata);
    });
  }

  /**
   * Prepares a trial's graph (built from older data of the same incarnation, labels `labels`)
   * caught up with `loaded`: copied when it holds exactly the live rows, built anew with `config`
   * past the deleted-label threshold, else extended.
   */
  async followSnapshot(
    record: IndexRecord,
    snapshotKey: string,
    labels: LabelMap,
    loaded: LoadedIndex,
    config: HnswConfig,
  ): Promise<PreparedGeneration> {
    if (holdsExactly(labels, loaded)) {
      const keys = newGenerationKeys(record);
      if (await this.deps.blobs.copy(snapshotKey, keys.graphKey)) {
        const rows = generationRows(labels, loaded);
        await this.deps.generations.write(keys, rows, null);
        return {
          keys,
          rows,
          dataVersion: record.dataVersion,
          method: "copied",
          added: 0,
          deleted: 0,
          timeMs: 0,
        };
      }
      return this.rebuild(record, loaded, config);
    }
    const changes = changesFromLoaded(labels, loaded);
    if (rebuildDue(labels, changes, maintenanceOf(record).rebuild_deleted_fraction)) {
      return this.rebuild(record, loaded, config);
    }
    const metadata = (label: number) =>
      loaded.metadata[loaded.rowOf.get(labels.ids[label] as string) ?? -1] ?? null;
    // A trial's graph is kept with its trial, not its generations: never a base.
    const ref = { graph_key: snapshotKey };
    try {
      return await withGraphFile(this.deps, record.name, ref, (graph) =>
        this.apply(record, graph, { ref, patchable: false }, labels, changes, metadata),
      );
    } catch (err) {
      // The snapshot expired since its label map was read: nothing was written; build instead.
      if (err instanceof GraphMissingError) return this.rebuild(record, loaded, config);
      throw err;
    }
  }

  /** Prepares a graph built in full from `loaded` with `config`. */
  async rebuild(
    record: IndexRecord,
    loaded: LoadedIndex,
    config: HnswConfig,
  ): Promise<PreparedGeneration> {
    const keys = newGenerationKeys(record);
    const path = join(tmpdir(), `vectord-generation-${randomUUID()}.hnsw`);
    let kept = false;
    await this.deps.files?.trim();
    try {
      const built = await this.deps.runner.build({
        rows: plainRows(loaded),
        metric: record.metric,
        build: config,
        path,
        // An instance that keeps the graph files it writes keeps this one in memory too.
        ...(this.deps.files ? { holdAs: keys.graphKey } : {}),
      });
      recordBuild("activation", built.buildTimeMs);
      const rows = { ...labelsOf(loaded), metadata: loaded.metadata };
      await this.deps.generations.write(keys, rows, path);
      kept = await this.keep(keys.graphKey, path);
      return {
        keys,
        rows,
        dataVersion: record.dataVersion,
        method: "built",
        added: loaded.rows,
        deleted: 0,
        timeMs: built.buildTimeMs,
      };
    } finally {
      if (!kept) await rm(path, { force: true });
    }
  }

  /** Hands a written graph file to the cache; whether it took it. */
  private async keep(key: string, path: string): Promise<boolean> {
    if (!this.deps.files) return false;
    await this.deps.files.keep(key, path);
    return true;
  }

  /**
   * Writes a copy of the graph `input.ref` (downloaded to `graph`) with `changes` applied as a
   * new generation, or the graph as it is (a server-side copy) when there are none; kept labels'
   * metadata come from `metadata`. When `input.patchable`, a copy with changes may be stored as
   * a patch over the whole graph file it came from.
   */
  private async apply(
    record: IndexRecord,
    graph: GraphFile,
    input: { readonly ref: GraphRef; readonly patchable: boolean },
    labels: LabelMap | GenerationRows,
    changes: GraphChanges,
    metadata: (label: number) => Record<string, unknown> | null,
  ): Promise<PreparedGeneration> {
    const keys = newGenerationKeys(record);
    const rows = applyChanges(labels, changes, metadata);
    const added = changes.add.ids.length;
    const deleted = changes.deleteLabels.length;
    const made = { keys, rows, dataVersion: record.dataVersion, added, deleted };
    if (added === 0 && deleted === 0) {
      // A copied patch applies to the same base.
      if (!(await this.deps.blobs.copy(input.ref.graph_key, keys.graphKey))) {
        throw new Error(`graph ${input.ref.graph_key} of "${record.name}" is missing`);
      }
      await this.deps.generations.write(keys, rows, null);
      return { ...made, method: "copied", timeMs: 0, base: input.ref.graph_base };
    }
    const outPath = join(tmpdir(), `vectord-catchup-out-${randomUUID()}.hnsw`);
    let kept = false;
    try {
      const inPath = await graph.path;
      const base = input.patchable
        ? (input.ref.graph_base ?? {
            key: input.ref.graph_key,
            elements: (await graphFileHeader(inPath)).elements,
          })
        : undefined;
      const done = await this.deps.runner.catchUp({
        inPath,
        inKey: input.ref.graph_key,
        // An instance that keeps the graph files it writes keeps this one in memory too.
        ...(this.deps.files ? { holdAs: keys.graphKey } : {}),
        dropInput: graph.owned,
        outPath,
        metric: record.metric,
        dimension: record.dimension,
        deleteLabels: Int32Array.from(changes.deleteLabels),
        add: { data: changes.add.values, dimension: record.dimension, rows: added },
        firstLabel: labels.ids.length,
      });
      recordBuild("catch_up", done.timeMs);
      const stored = await this.deps.generations.write(keys, rows, outPath, base);
      kept = await this.keep(keys.graphKey, outPath);
      // The graph it came from is superseded here: its file makes room for others' (once idle).
      await this.deps.files?.retire(input.ref.graph_key);
      return {
        ...made,
        method: "caught_up",
        timeMs: done.timeMs,
        base: stored,
        graphFrom: done.fromHeld ? "held" : graph.owned ? "downloaded" : "kept",
      };
    } finally {
      if (!kept) await rm(outPath, { force: true });
    }
  }

  /** The tail written since `since`, from the segments of `record` that hold newer words. */
  private async tailOf(record: IndexRecord, since: number) {
    const refs = record.segments.filter((s) => s.max_version > since);
    const limit = pLimit(READ_CONCURRENCY);
    const parts = await Promise.all(
      refs.map((ref) => limit(() => this.deps.segments.read(record, ref))),
    );
    return { read: record, tail: tailSince(parts, since, record.dimension) };
  }

  private async readRows(rowsKey: string): Promise<GenerationRows> {
    const bytes = await this.deps.blobs.get(rowsKey);
    if (!bytes) throw new Error(`generation rows ${rowsKey} are missing`);
    return JSON.parse(Buffer.from(bytes).toString("utf8")) as GenerationRows;
  }
}
