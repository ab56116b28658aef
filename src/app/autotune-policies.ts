import type { JobTrigger } from "../domain/autotune";
import { appendDue, type Policy, scheduleDue } from "../domain/autotune-policy";
import { ConflictError, NotFoundError, ValidationError } from "../domain/errors";
import type { IndexRecord } from "../domain/index-record";
import type { TuningRequest } from "../domain/tuning";
import type { AutotuneService } from "./autotune-service";
import type { JobLedger } from "./job-ledger";
import type { PolicyStore } from "./ports";
import type { VectorStore } from "./vector-store";

/** What {@link AutotunePolicies} is built from. */
export interface AutotunePoliciesDeps {
  /** Starts the jobs the triggers decide on, and checks a policy's harness and tuning. */
  readonly autotune: AutotuneService;
  readonly policies: PolicyStore;
  readonly vectors: VectorStore;
  /** The clock and the log autotune's decisions go to. */
  readonly ledger: JobLedger;
}

/**
 * Autotune policies (per index: which harness and tuning, how often, after how many new
 * vectors) and their two triggers: the schedule and the append. A trigger that finds an
 * autotune running, or a policy that can no longer run, logs why it skipped and starts nothing.
 */
export class AutotunePolicies {
  constructor(private readonly deps: AutotunePoliciesDeps) {}

  /** Sets the index's policy (replacing any); its harness and tuning are checked first. */
  async put(
    indexName: string,
    request: {
      harness: string;
      tuning: TuningRequest;
      everyMinutes?: number | undefined;
      minNewVectors?: number | undefined;
    },
  ): Promise<Policy> {
    const { record, tuning } = await this.deps.autotune.prepare(
      indexName,
      request.harness,
      request.tuning,
    );
    return this.deps.policies.put(
      {
        index_name: indexName,
        index_uid: record.uid,
        harness: request.harness,
        strategy: tuning.strategy,
        min_recall: tuning.min_recall,
        grid: tuning.strategy === "max_recall" ? tuning.grid : null,
        space: tuning.strategy === "target_recall" ? tuning.space : null,
        max_builds: tuning.strategy === "target_recall" ? tuning.max_builds : null,
        every_minutes: request.everyMinutes ?? null,
        min_new_vectors: request.minNewVectors ?? null,
      },
      this.deps.ledger.now().toISOString(),
      record.vectorsWritten,
    );
  }

  /** The index's policy; 404 `policy_not_found` when it has none. */
  async get(indexName: string): Promise<Policy> {
    const index = await this.deps.vectors.findIndex(indexName);
    const policy = await this.deps.policies.get(indexName);
    if (!policy || !index || !this.ours(policy, index)) {
      throw new NotFoundError("policy_not_found", `index "${indexName}" has no autotune policy`);
    }
    return policy;
  }

  /** A policy set for an earlier index of the same name is not this index's. */
  private ours(policy: Policy, index: IndexRecord): boolean {
    return (policy.index_uid ?? index.uid) === index.uid;
  }

  /** Removes the index's policy; 404 `policy_not_found` when it has none. */
  async delete(indexName: string): Promise<void> {
    if (!(await this.deps.policies.delete(indexName))) {
      throw new NotFoundError("policy_not_found", `index "${indexName}" has no autotune policy`);
    }
  }

  /** The scheduled trigger: starts an autotune for each index whose policy is due. */
  async runScheduled(): Promise<{ started: string[]; skipped: string[] }> {
    const now = this.deps.ledger.now();
    const started: string[] = [];
    const skipped: string[] = [];
    for (const policy of await this.deps.policies.list()) {
      if (policy.every_minutes === null) continue;
      const index = await this.deps.vectors.findIndex(policy.index_name);
      if (!index || !this.ours(policy, index)) {
        // Left by a deleted index (its deletion could not remove it): it never fires.
        this.deps.ledger.log("autotune skipped", {
          index_name: policy.index_name,
          trigger: "schedule",
          reason: "the policy belongs to a deleted index; removed",
        });
        await this.deps.policies.delete(policy.index_name);
        skipped.push(policy.index_name);
        continue;
      }
      if (!scheduleDue(policy, now)) {
        this.deps.ledger.log("autotune skipped", {
          index_name: policy.index_name,
          trigger: "schedule",
          reason: `not due: every ${policy.every_minutes} min, last started ${policy.last_started_at}`,
        });
        skipped.push(policy.index_name);
        continue;
      }
      (await this.startFromPolicy(policy, "schedule", "schedule due"))
        ? started.push(policy.index_name)
        : skipped.push(policy.index_name);
    }
    return { started, skipped };
  }

  /**
   * The append trigger, after a write by `writer`: tunes once enough new vectors were written.
   * The job records the writer as the one who started it.
   */
  async afterAppend(record: IndexRecord, writer: string): Promise<string | null> {
    const policy = await this.deps.policies.get(record.name);
    if (!policy || !this.ours(policy, record) || !appendDue(policy, record.vectorsWritten)) {
      return null;
    }
    const written = record.vectorsWritten - policy.vectors_written_at_last_start;
    return this.startFromPolicy(
      policy,
      "append",
      `${written} vectors written since the last autotune (min_new_vectors ${policy.min_new_vectors})`,
      writer,
    );
  }

  private async startFromPolicy(
    policy: Policy,
    trigger: JobTrigger,
    reason: string,
    startedBy: string = trigger,
  ): Promise<string | null> {
    try {
      const job = await this.deps.autotune.start({
        indexName: policy.index_name,
        harness: policy.harness,
        tuning: {
          strategy: policy.strategy ?? "max_recall",
          min_recall: policy.min_recall,
          grid: policy.grid ?? undefined,
          space: policy.space ?? undefined,
          max_builds: policy.max_builds ?? undefined,
        },
        trigger,
        startedBy,
        refreshHarness: true,
      });
      this.deps.ledger.log("autotune triggered", {
        index_name: policy.index_name,
        job_id: job.job_id,
        trigger,
        reason,
      });
      return job.job_id;
    } catch (err) {
      if (err instanceof ConflictError && err.code === "autotune_running") {
        this.deps.ledger.log("autotune skipped", {
          index_name: policy.index_name,
          trigger,
          reason: err.message,
        });
        return null;
      }
      if (err instanceof NotFoundError || err instanceof ValidationError) {
        this.deps.ledger.log("autotune skipped", {
          index_name: policy.index_name,
          trigger,
          reason: `policy cannot run: ${err.message}`,
        });
        return null;
      }
      throw err;
    }
  }
}
