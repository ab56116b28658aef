import { afterEach, describe, expect, it } from "vitest";
import { DynamoJobStore } from "../../src/adapters/dynamo-job-store";
import { DynamoLeaseStore } from "../../src/adapters/dynamo-lease-store";
import { DynamoPolicyStore } from "../../src/adapters/dynamo-policy-store";
import { AutotuneDecision } from "../../src/app/autotune-decision";
import { AutotuneService } from "../../src/app/autotune-service";
import type { GroupOutcome, WorkflowState } from "../../src/app/autotune-state";
import { AutotuneTasks } from "../../src/app/autotune-tasks";
import { JobLedger } from "../../src/app/job-ledger";
import type { JobStore, LeaseStore } from "../../src/app/work-ports";
import { createClients } from "../../src/clients";
import { planGroups } from "../../src/domain/autotune";
import { localWorkflow } from "../../src/local/local-workflow";
import { useLocalStack } from "../support/stacks";
import { indexWithHarness } from "../support/vectors";

// The workflow cannot disagree with itself: leases renew, Decide promotes once, its failures are
// caught, and a job's record always says what really happened.

const env = useLocalStack();
const api = env.api;
afterEach(() => localWorkflow().intercept(undefined));

const GRID = [
  { ef_construction: 20, ef_search: 10, m: 8 },
  { ef_construction: 40, ef_search: 10, m: 8 },
];

/** An autotune service on the stack's tables, with a clock the test moves and stores it wraps. */
function serviceWith(options: {
  leaseMs: number;
  jobs?: (store: JobStore) => JobStore;
  leases?: (store: LeaseStore) => LeaseStore;
}) {
  const clients = createClients(env.stack.settings);
  const tables = env.stack.settings.tables;
  const clock = { ms: Date.now() };
  const jobs = new DynamoJobStore(clients.doc, tables.jobs);
  const ledger = new JobLedger({
    jobs: options.jobs ? options.jobs(jobs) : jobs,
    leases: (options.leases ?? ((store) => store))(
      new DynamoLeaseStore(clients.doc, tables.leases),
    ),
    leaseMs: options.leaseMs,
    now: () => new Date(clock.ms),
    log: () => undefined,
  });
  const service = new AutotuneService({
    ledger,
    policies: new DynamoPolicyStore(clients.doc, tables.policies),
    workflow: { start: async () => undefined },
    vectors: env.services.vectors,
    harnesses: env.services.harnesses,
  });
  const tasks = new AutotuneTasks({
    ledger,
    vectors: env.services.vectors,
    harnesses: env.services.harnesses,
    trials: env.services.trials,
    // Every build that reaches the target is a finalist, however its own timing went.
    runoff: { margin: Number.POSITIVE_INFINITY, max: 4 },
  });
  const decision = new AutotuneDecision({
    ledger,
    journal: env.services.journal,
    promotions: env.services.promotions,
  });
  return { service, tasks, decision, clock };
}

/** Starts a job and runs its build groups by hand, moving the clock by `stepMs` before each. */
async function runGroups(
  { service, tasks, clock }: ReturnType<typeof serviceWith>,
  index: string,
  stepMs: number,
) {
  const job = await service.start({
    indexName: index,
    harness: `${index}-h`,
    tuning: { grid: GRID, min_recall: 0 },
    trigger: "api",
    startedBy: "test",
  });
  const input = {
    job_id: job.job_id,
    index_name: index,
    harness: `${index}-h`,
    tuning: { strategy: "max_recall" as const, min_recall: 0, grid: GRID },
    max_concurrency: 0,
    refresh_harness: false,
  };
  const results: GroupOutcome[] = [];
  for (const group of planGroups(GRID)) {
    clock.ms += stepMs;
    results.push(await tasks.runGroup({ ...input, group }));
  }
  clock.ms += stepMs;
  const state: WorkflowState = { ...input, history: results };
  return { job, input: state };
}

const setup = (name: string) =>
  indexWithHarness(api, name, { count: 60, dimension: 8, seed: name.length, queries: 5 });

describe("autotune consistency", () => {
  it("renews the lease in every build group, so a Map longer than the lease still decides", async () => {
    await setup("renew");
    const tuned = serviceWith({ leaseMs: 1000 });
    // 3 steps of 600 ms: 1,800 ms in all, beyond a 1,000 ms lease that nobody renewed.
    const { input } = await runGroups(tuned, "renew", 600);
    const decided = await tuned.decision.decide(input);
    expect(decided).toMatchObject({ status: "SUCCEEDED", promoted: true });
  });

  it("fails a job that lost its lease without promoting, and reports the stored record", async () => {
    await setup("lost");
    const tuned = serviceWith({ leaseMs: 1000 });
    const { job, input } = await runGroups(tuned, "lost", 100);
    tuned.clock.ms += 5000; // the lease ran out: a reader settles the job as abandoned
    expect((await tuned.service.get(job.job_id)).status).toBe("FAILED");
    const before = await env.services.promotions.get("lost");
    const decided = await tuned.decision.decide(input);
    expect(decided.status).toBe("FAILED");
    expect(decided.reason).toMatch(/^the run stopped without finishing/);
    expect(await env.services.promotions.get("lost")).toEqual(before);
  });

  it("promotes once when Decide is retried after it promoted but before it recorded the job", async () => {
    await setup("twice");
    let failFinish = true;
    const tuned = serviceWith({
      leaseMs: 60_000,
      // Fault injection: the first attempt to record the outcome fails, as a crash would.
      jobs: (store) => ({
        create: (job) => store.create(job),
        get: (id) => store.get(id),
        listByIndex: (index, limit) => store.listByIndex(index, limit),
        progress: (id, update) => store.progress(id, update),
        finish: async (job) => {
          if (failFinish) {
            failFinish = false;
            throw Object.assign(new Error("injected"), { name: "InternalServerError" });
          }
          return store.finish(job);
        },
      }),
    });
    const { input } = await runGroups(tuned, "twice", 10);
    await expect(tuned.decision.decide(input)).rejects.toThrow("injected");
    const afterFirst = await env.services.promotions.get("twice");
    expect(afterFirst.current?.promoted_by).toBe("autotune");
    const retried = await tuned.decision.decide(input);
    expect(retried).toMatchObject({ status: "SUCCEEDED", promoted: true });
    const afterRetry = await env.services.promotions.get("twice");
    expect(afterRetry.version).toBe(afterFirst.version);
    expect(afterRetry.history).toHaveLength(afterFirst.history.length);
  });

  it("lets a new autotune take the lease of a job whose outcome is recorded but which never freed it", async () => {
    await setup("held");
    let failRelease = true;
    const tuned = serviceWith({
      leaseMs: 60_000,
      // Fault injection: Decide records the outcome, then crashes before it frees the lease.
      leases: (store) =>
        Object.assign(Object.create(store) as LeaseStore, {
          release: async (index: string, job: string) => {
            if (failRelease) {
              failRelease = false;
              throw Object.assign(new Error("injected"), { name: "InternalServerError" });
            }
            return store.release(index, job);
          },
        }),
    });
    const { job, input } = await runGroups(tuned, "held", 10);
    await expect(tuned.decision.decide(input)).rejects.toThrow("injected");
    expect((await tuned.service.get(job.job_id)).status).toBe("SUCCEEDED");
    const leases = new DynamoLeaseStore(
      createClients(env.stack.settings).doc,
      env.stack.settings.tables.leases,
    );
    expect(await leases.holder("held", tuned.clock.ms)).toBe(job.job_id);
    const next = await tuned.service.start({
      indexName: "held",
      harness: "held-h",
      tuning: { grid: GRID, min_recall: 0 },
      trigger: "api",
      startedBy: "test",
    });
    expect(next.status).toBe("RUNNING");
    expect(await leases.holder("held", tuned.clock.ms)).toBe(next.job_id);
    // The old job's Decide, retried, frees only a lease it still holds: the new job keeps its own.
    expect((await tuned.decision.decide(input)).status).toBe("SUCCEEDED");
    expect(await leases.holder("held", tuned.clock.ms)).toBe(next.job_id);
    // A job still running is never taken over.
    await expect(
      tuned.service.start({
        indexName: "held",
        harness: "held-h",
        tuning: { grid: GRID, min_recall: 0 },
        trigger: "api",
        startedBy: "test",
      }),
    ).rejects.toMatchObject({ code: "autotune_running" });
  });

  it("measures target_recall finalists side by side, and picks the winner from that runoff", async () => {
    await setup("runoff");
    const tuned = serviceWith({ leaseMs: 60_000 });
    const tuning = {
      strategy: "target_recall" as const,
      min_recall: 0.5,
      space: { m: [8, 16], ef_construction: { min: 40, max: 40 }, max_ef_search: 64 },
      max_builds: 2,
    };
    const job = await tuned.service.start({
      indexName: "runoff",
      harness: "runoff-h",
      tuning,
      trigger: "api",
      startedBy: "test",
    });
    const state = {
      job_id: job.job_id,
      index_name: "runoff",
      harness: "runoff-h",
      tuning,
      max_concurrency: 0,
      refresh_harness: false,
    };
    const round = await tuned.tasks.plan(state);
    expect(round.groups.map((g) => g.m)).toEqual([16, 8]); // longest build first
    const results = [];
    for (const group of round.groups) results.push(await tuned.tasks.runGroup({ ...state, group }));
    // Both builds reach a target this low at the smallest ef_search: both are finalists.
    expect(results.every((r) => "build" in r && r.build.found_ef === 10)).toBe(true);
    const tunedState = await tuned.tasks.tune({ ...state, round: { ...round, results } });
    expect(tunedState.round).toMatchObject({
      done: true,
      stop_reason: "used its budget of 2 builds",
    });
    const runoff = await tuned.tasks.runoff(tunedState);
    expect(runoff.trial_ids).toHaveLength(2);
    const decided = await tuned.decision.decide({ ...tunedState, runoff });
    expect(decided.status).toBe("SUCCEEDED");
    expect(runoff.trial_ids).toContain(decided.winner?.trial_id);
    const side = decided.trials.filter((t) => runoff.trial_ids.includes(t.trial_id));
    expect(side.map((t) => t.note)).toEqual([
      "runoff: 2 finalists measured side by side, 5 interleaved passes",
      "runoff: 2 finalists measured side by side, 5 interleaved passes",
    ]);
    // Each runoff trial names the graph it re-measured, with that build's figures.
    for (const t of side) {
      const built = decided.trials.find(
        (b) => b.snapshot_key === t.snapshot_key && !b.note?.startsWith("runoff"),
      );
      expect(t.metrics.memory_bytes).toBe(built?.metrics.memory_bytes);
      expect(t.metrics.build_time_ms).toBe(built?.metrics.build_time_ms);
    }
    expect((await env.services.promotions.get("runoff")).current?.trial_id).toBe(
      decided.winner?.trial_id,
    );
  });

  it("catches a failing Decide: the job is recorded FAILED, the index can be tuned again", async () => {
    await setup("caught");
    localWorkflow().intercept((state, handler) =>
      state === "Decide"
        ? async () => {
            throw Object.assign(new Error("decide exploded"), { name: "TypeError" });
          }
        : handler,
    );
    const failed = await api.post("/vectors/hnsw/autotune", {
      index_name: "caught",
      harness: "caught-h",
      grid: GRID,
      wait_seconds: 25,
    });
    expect(failed.body.status).toBe("FAILED");
    expect(failed.body.reason).toMatch(/^deciding failed: TypeError: decide exploded/);
    expect(failed.body.promoted).toBe(false);
    localWorkflow().intercept(undefined);
    const again = await api.post("/vectors/hnsw/autotune", {
      index_name: "caught",
      harness: "caught-h",
      grid: GRID,
      wait_seconds: 25,
    });
    expect(again.body.status).toBe("SUCCEEDED");
  });
});
