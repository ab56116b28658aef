import type { ErrorRecord } from "../domain/errors";
import type { HnswConfig } from "../domain/hnsw-config";
import type { RunStatus, TaskRun } from "../domain/task-run";
import { type ActivationResult, type ActivationService, activatable } from "./activation-service";
import type { TaskRuns } from "./task-runs";
import type { VectorStore } from "./vector-store";

/** An activation as the API returns it. */
export interface ActivationView {
  /** The index activated. */
  readonly index_name: string;
  /** A ULID: an index's activations sort oldest first. */
  readonly activation_id: string;
  /** Running, or how it ended. */
  readonly status: RunStatus;
  /** The config to serve when nothing is promoted (the caller's), or null for the built-in one. */
  readonly default_config: HnswConfig | null;
  /** When it was asked for (ISO 8601). */
  readonly requested_at: string;
  /** When it ended (ISO 8601), or `null` while it runs. */
  readonly finished_at: string | null;
  /** What it made, once SUCCEEDED. */
  readonly result: ActivationResult | null;
  /** Why it failed, once FAILED: the typed error the API answers with. */
  readonly error: ErrorRecord | null;
  /** Epoch seconds after which the record may be removed. */
  readonly expires_at: number;
}

interface ActivationInput {
  readonly default_config: HnswConfig | null;
}

/**
 * What {@link ActivationJobs} is built from: the run records, the vector store and the activation
 * use case it runs.
 */
export interface ActivationJobsDeps {
  readonly runs: TaskRuns;
  readonly vectors: VectorStore;
  readonly activation: ActivationService;
}

/**
 * Activation as a task of its own ({@link TaskRuns}, kind `activate`): the `activate` task
 * makes the generation ({@link ActivationService.activate}: built, caught up or copied) and
 * flips the index to it; the request records the activation and may wait for it.
 */
export class ActivationJobs {
  constructor(private readonly deps: ActivationJobsDeps) {}

  /**
   * Records an activation of `indexName` and starts its task. Refused at once (nothing
   * recorded) when the index does not exist or has no vectors.
   */
  async request(indexName: string, defaultConfig?: HnswConfig): Promise<ActivationView> {
    activatable(await this.deps.vectors.getIndex(indexName));
    return viewOf(await this.deps.runs.request("activate", indexName, inputOf(defaultConfig)));
  }

  /**
   * Requests an activation and waits for it up to `waitMs`: ended, or RUNNING (its task goes
   * on; poll it). Refused at once, like {@link request}.
   */
  async activate(
    indexName: string,
    defaultConfig: HnswConfig | undefined,
    waitMs: number,
  ): Promise<ActivationView> {
    activatable(await this.deps.vectors.getIndex(indexName));
    return viewOf(
      await this.deps.runs.submit<ActivationInput, ActivationResult>(
        "activate",
        indexName,
        inputOf(defaultConfig),
        waitMs,
      ),
    );
  }

  /** The activation `activationId` of `indexName`; one no task can finish any more is FAILED. */
  async get(indexName: string, activationId: string): Promise<ActivationView> {
    return viewOf(
      await this.deps.runs.get<ActivationInput, ActivationResult>(
        "activate",
        indexName,
        activationId,
      ),
    );
  }

  /** The `activate` task: runs a RUNNING activation and records how it ended. */
  async run(indexName: string, activationId: string): Promise<ActivationView | null> {
    const run = await this.deps.runs.run<ActivationInput, ActivationResult>(
      "activate",
      indexName,
      activationId,
      (input) => this.deps.activation.activate(indexName, input.default_config ?? undefined),
    );
    return run && viewOf(run);
  }
}

function inputOf(defaultConfig: HnswConfig | undefined): ActivationInput {
  return { default_config: defaultConfig ?? null };
}

function viewOf(run: TaskRun<ActivationInput, ActivationResult>): ActivationView {
  return {
    index_name: run.scope,
    activation_id: run.run_id,
    status: run.status,
    default_config: run.input.default_config,
    requested_at: run.requested_at,
    finished_at: run.finished_at,
    result: run.result,
    error: run.error,
    expires_at: run.expires_at,
  };
}
