import { randomUUID } from "node:crypto";
import { ConflictError } from "../domain/errors";
import { countsOf } from "../domain/label-map";
import { catchUpDue } from "../domain/maintenance";
import { failpoint } from "../failpoints";
import { logger } from "../logger";
import { pageFaults, recordCatchUp } from "../telemetry";
import type { GenerationBuilder, GraphSource } from "./generation-builder";
import type { Generations } from "./generations";
import type { VectorStore } from "./vector-store";
import type { LeaseStore } from "./work-ports";

/** How long one catch-up may hold an index (a crashed one frees it after this). */
const MAINTENANCE_LEASE_MS = 15 * 60_000;

/** Catch-up passes one task runs at most (writes may keep an index due). */
const MAX_PASSES = 4;

/** The lease key of an index's graph maintenance (index names cannot hold `#`). */
export function maintenanceLeaseKey(indexName: string): string {
  return `${indexName}#maintenance`;
}

/** What one catch-up task did. */
export type CatchUpOutcome =
  | { readonly outcome: "up_to_date" | "busy" | "no_graph" | "superseded" }
  | {
      readonly outcome: "caught_up" | "built" | "copied";
      readonly generation: number;
      readonly data_version: number;
      readonly added: number;
      readonly deleted: number;
      /** Time in hnswlib (the build, or the catch-up's adds), ms. */
      readonly time_ms: number;
      /** From the catalog record to the flip, ms: what the catch-up took end to end. */
      readonly total_ms: number;
      /** The graph a catch-up started from (see `PreparedGeneration.graphFrom`). */
      readonly graph_from?: GraphSource;
      /**
       * The process's page faults over the same span (see `pageFaults`): memory first touched,
       * for reading a slow catch-up's time on a given machine.
       */
      readonly page_faults: number;
    };

/** The ports and services {@link GraphMaintenance} is built from (see `createServices`). */
export interface GraphMaintenanceDeps {
  readonly vectors: VectorStore;
  readonly generations: Generations;
  readonly leases: LeaseStore;
  readonly builder: GenerationBuilder;
  /** How long a catch-up holds the index's maintenance lease (default 15 minutes). */
  readonly leaseMs?: number;
  readonly now?: () => number;
}

/**
 * Keeps an index's active graph up with its data without rebuilding it: a copy of the graph gets
 * the vectors written since its data version (resize, add) and marks the labels of deleted or
 * replaced rows deleted (hnswlib's markDelete); it becomes a new generation covering the data it
 * read, and the pointer flips, only over the generation it started from. A full rebuild happens
 * instead once deleted labels would pass the index's `rebuild_deleted_fraction` of the graph.
 * Catch-up is a task of its own, started by writes past the index's threshold (see
 * {@link catchUpDue}), one at a time per index (a lease). Activation makes its generations with the same {@link GenerationBuilder}.
 */
export class GraphMaintenance {
  private readonly now: () => number;

  constructor(private readonly deps: GraphMaintenanceDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * The catch-up task: brings the index's active graph up to its current data, and again while
   * writes keep it due (at most {@link MAX_PASSES} passes). `busy` when another one runs.
   */
  async catchUp(indexName: string): Promise<CatchUpOutcome> {
    const owner = `maintenance-${this.now()}-${randomUUID()}`;
    const key = maintenanceLeaseKey(indexName);
    const leaseMs = this.deps.leaseMs ?? MAINTENANCE_LEASE_MS;
    const lease = await this.deps.leases.acquire(key, owner, this.now(), leaseMs);
    if (!lease.acquired) return { outcome: "busy" };
    try {
      let outcome = await this.pass(indexName);
      for (let passes = 1; passes < MAX_PASSES && "generation" in outcome; passes++) {
        if (!catchUpDue(await this.deps.vectors.getIndex(indexName))) break;
        outcome = await this.pass(indexName);
      }
      return outcome;
    } finally {
      await this.deps.leases.release(key, owner);
    }
  }

  private async pass(indexName: string): Promise<CatchUpOutcome> {
    const record = await this.deps.vectors.getIndex(indexName);
    const active = record.active;
    if (!active) return { outcome: "no_graph" };
    if (active.data_version === record.dataVersion) return { outcome: "up_to_date" };
    const started = performance.now();
    const faults = pageFaults();
    const prepared = await this.deps.builder.followActive(record, active);
    await failpoint("catchup.generation-written");
    try {
      const flipped = await this.deps.generations.flip(
        record,
        prepared.keys,
        active.config,
        prepared.dataVersion,
        { ...countsOf(prepared.rows), replacing: active.generation, base: prepared.base },
      );
      const outcome = {
        outcome: prepared.method,
        generation: flipped.generation,
        data_version: prepared.dataVersion,
        added: prepared.added,
        deleted: prepared.deleted,
        time_ms: prepared.timeMs,
        total_ms: Math.round(performance.now() - started),
        ...(prepared.graphFrom ? { graph_from: prepared.graphFrom } : {}),
        page_faults: pageFaults() - faults,
      };
      recordCatchUp(outcome.outcome, prepared.graphFrom ?? "none", outcome.total_ms);
      logger.info(`graph ${outcome.outcome}`, { index_name: indexName, ...outcome });
      return outcome;
    } catch (err) {
      await this.deps.generations.discard(prepared.keys);
      // An activation flipped first: its generation stands, and ours is not needed.
      if (err instanceof ConflictError && err.code === "generation_replaced") {
        return { outcome: "superseded" };
      }
      throw err;
    }
  }
}
