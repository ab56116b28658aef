import { setTimeout as sleep } from "node:timers/promises";
import { ulid } from "ulid";
import {
  ACTIVATION_LOST_AFTER_MS,
  ACTIVATION_RECORD_TTL_S,
  ACTIVATION_START_WITHIN_MS,
  type ActivationFailure,
  type ActivationJob,
  MAX_ACTIVATION_WAIT_S,
} from "../domain/activation-job";
import { errorRecordOf, NotFoundError } from "../domain/errors";
import type { HnswConfig } from "../domain/hnsw-config";
import { logger } from "../logger";
import { type ActivationResult, type ActivationService, activatable } from "./activation-service";
import type { ActivationStore, BackgroundTasks } from "./ports";
import type { VectorStore } from "./vector-store";

/** An activation job as the API returns it. */
export type ActivationView = ActivationJob<ActivationResult>;

export interface ActivationJobsDeps {
  readonly store: ActivationStore;
  readonly tasks: BackgroundTasks;
  readonly vectors: VectorStore;
  readonly activation: ActivationService;
  readonly now?: () => number;
}

/** Polls of a waiting request: the first after 50 ms, growing to one every 500 ms. */
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 500;

/** Why `err` ended an activation; anything but a typed error is named only by its class. */
function failureOf(err: unknown): ActivationFailure {
  return errorRecordOf(err, (name) => ({
    code: "activation_failed",
    message: `the activation task failed (${name}); nothing was activated, see the ActivateIndexTask log`,
  }));
}

/**
 * Activation as a task of its own: a request records the activation (RUNNING) and starts the
 * `activate` task, which makes the generation ({@link ActivationService.activate}: built, caught
 * up or copied) and records how it ended. The request may wait for that, within API Gateway's
 * limit; a build that takes longer keeps running, and the caller polls the job.
 */
export class ActivationJobs {
  private readonly now: () => number;

  constructor(private readonly deps: ActivationJobsDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Records an activation of `indexName` and starts its task. Refused at once (nothing
   * recorded) when the index does not exist or has no vectors.
   */
  async request(indexName: string, defaultConfig?: HnswConfig): Promise<ActivationView> {
    activatable(await this.deps.vectors.getIndex(indexName));
    const now = this.now();
    const job: ActivationView = {
      index_name: indexName,
      activation_id: ulid(now),
      status: "RUNNING",
      default_config: defaultConfig ?? null,
      requested_at: new Date(now).toISOString(),
      finished_at: null,
      result: null,
      error: null,
      expires_at: Math.floor(now / 1000) + ACTIVATION_RECORD_TTL_S,
    };
    await this.deps.store.create(job);
    try {
      await this.deps.tasks.start("activate", indexName, job.activation_id);
    } catch (err) {
      // Never left RUNNING with no task to end it.
      await this.deps.store.finish(
        indexName,
        job.activation_id,
        { error: failureOf(err) },
        this.iso(),
      );
      throw err;
    }
    return job;
  }

  /**
   * {@link request}s an activation and {@link wait}s for it up to `waitMs`: ended, or RUNNING (its
   * task goes on; poll it).
   */
  async activate(
    indexName: string,
    defaultConfig: HnswConfig | undefined,
    waitMs: number,
  ): Promise<ActivationView> {
    const started = this.now();
    const job = await this.request(indexName, defaultConfig);
    return this.wait(indexName, job.activation_id, Math.max(0, waitMs - (this.now() - started)));
  }

  /** The activation `activationId` of `indexName`; one no task can finish any more is FAILED. */
  async get(indexName: string, activationId: string): Promise<ActivationView> {
    const job = (await this.deps.store.get(indexName, activationId)) as ActivationView | undefined;
    if (!job) {
      throw new NotFoundError(
        "activation_not_found",
        `index "${indexName}" has no activation "${activationId}" (records are kept a week)`,
      );
    }
    const age = this.now() - Date.parse(job.requested_at);
    if (job.status !== "RUNNING" || age <= ACTIVATION_LOST_AFTER_MS) return job;
    return {
      ...job,
      status: "FAILED",
      error: {
        kind: "Error",
        code: "activation_lost",
        message: `activation "${activationId}" was requested ${Math.round(age / 60_000)} minutes ago and its task ended without a word; nothing was activated by it`,
      },
    };
  }

  /** The activation once it has ended, or as it is after `waitMs` (RUNNING). */
  async wait(indexName: string, activationId: string, waitMs: number): Promise<ActivationView> {
    const deadline = this.now() + Math.min(waitMs, MAX_ACTIVATION_WAIT_S * 1000);
    let pause = FIRST_POLL_MS;
    for (;;) {
      const job = await this.get(indexName, activationId);
      const left = deadline - this.now();
      if (job.status !== "RUNNING" || left <= 0) return job;
      await sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, MAX_POLL_MS);
    }
  }

  /**
   * The `activate` task: runs a RUNNING activation and records how it ended. A job that has
   * ended already (a retried task) is left alone; one whose start comes too late (a retry after
   * a timeout, or an invocation Lambda held back) fails as timed out instead of building.
   */
  async run(indexName: string, activationId: string): Promise<ActivationView | null> {
    const job = await this.deps.store.get(indexName, activationId);
    if (job?.status !== "RUNNING") return null;
    const { store, activation } = this.deps;
    if (this.now() - Date.parse(job.requested_at) > ACTIVATION_START_WITHIN_MS) {
      const error = {
        kind: "Error",
        code: "activation_timed_out",
        message: `activation "${activationId}" had not run within 15 minutes of its request (its task timed out, or Lambda held its start back); nothing was activated by it, activate again`,
      };
      await store.finish(indexName, activationId, { error }, this.iso());
      return this.get(indexName, activationId);
    }
    try {
      const result = await activation.activate(indexName, job.default_config ?? undefined);
      await store.finish(indexName, activationId, { result }, this.iso());
    } catch (err) {
      const failure = failureOf(err);
      if (failure.kind === "Error") logger.error("activation failed", { error: err as Error });
      await store.finish(indexName, activationId, { error: failure }, this.iso());
    }
    return this.get(indexName, activationId);
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }
}
