import { afterEach, describe, expect, it } from "vitest";
import { DynamoJobStore } from "../../src/adapters/dynamo-job-store";
import { DynamoLeaseStore } from "../../src/adapters/dynamo-lease-store";
import { DynamoPolicyStore } from "../../src/adapters/dynamo-policy-store";
import { AutotuneService } from "../../src/app/autotune-service";
import { JobLedger } from "../../src/app/job-ledger";
import { createClients } from "../../src/clients";
import { localWorkflow } from "../../src/local/local-workflow";
import { autotuneHelpers } from "../support/autotune";
import { useLocalStack } from "../support/stacks";
import { randomVectors } from "../support/vectors";

// Autotune when things go wrong: a second job, a crashed run, a failed build group, a failed plan.

const env = useLocalStack();
const api = env.api;
const { indexWithHarness, autotune, finished } = autotuneHelpers(api);
afterEach(() => {
  localWorkflow().intercept(undefined);
});

describe("autotune, failing", () => {
  it("refuses a second autotune of the same index with 409 and the running job id", async () => {
    await indexWithHarness("busy-tune");
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    localWorkflow().intercept((state, handler) =>
      state === "Plan"
        ? async (input) => {
            await held;
            return handler(input);
          }
        : handler,
    );
    const first = await autotune({ index_name: "busy-tune", harness: "busy-tune-h" });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ job_id: expect.any(String), status: "RUNNING" });
    const second = await autotune({ index_name: "busy-tune", harness: "busy-tune-h" });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({
      code: "autotune_running",
      job_id: first.body.job_id,
    });
    release();
    expect((await finished(first.body.job_id)).status).toBe("SUCCEEDED");
    const third = await autotune({
      index_name: "busy-tune",
      harness: "busy-tune-h",
      wait_seconds: 25,
    });
    expect(third.status).toBe(200);
  });

  it("frees a crashed run's index when its lease expires", async () => {
    await indexWithHarness("crashy");
    const clients = createClients(env.stack.settings);
    const leases = new DynamoLeaseStore(clients.doc, env.stack.settings.tables.leases);
    // A run that crashes: the workflow never gets to Decide, so nothing releases the lease.
    const crashing = new AutotuneService({
      ledger: new JobLedger({
        jobs: new DynamoJobStore(clients.doc, env.stack.settings.tables.jobs),
        leases,
        leaseMs: 400,
        log: () => undefined,
      }),
      policies: new DynamoPolicyStore(clients.doc, env.stack.settings.tables.policies),
      workflow: { start: async () => undefined },
      vectors: env.services.vectors,
      harnesses: env.services.harnesses,
    });
    const crashed = await crashing.start({
      indexName: "crashy",
      harness: "crashy-h",
      trigger: "api",
      startedBy: "test",
    });
    const blocked = await autotune({ index_name: "crashy", harness: "crashy-h" });
    expect(blocked.status).toBe(409);
    expect(blocked.body.error.job_id).toBe(crashed.job_id);
    await new Promise((r) => setTimeout(r, 500));
    const after = await autotune({ index_name: "crashy", harness: "crashy-h", wait_seconds: 25 });
    expect(after.status).toBe(200);
    expect(after.body.status).toBe("SUCCEEDED");
    // The crashed job itself is reported as failed once its lease is over, not RUNNING forever.
    const dead = await crashing.get(crashed.job_id);
    expect(dead.status).toBe("FAILED");
    expect(dead.reason).toMatch(/^the run stopped without finishing/);
    expect((await env.services.autotune.get(crashed.job_id)).status).toBe("FAILED");
  });

  it("keeps the other groups' trials when one build group fails", async () => {
    await indexWithHarness("partial");
    localWorkflow().intercept((state, handler) =>
      state === "RunBuildGroup"
        ? async (input) => {
            if ((input as { group: { ef_construction: number } }).group.ef_construction === 40) {
              throw new Error("injected build failure");
            }
            return handler(input);
          }
        : handler,
    );
    const res = await autotune({ index_name: "partial", harness: "partial-h", wait_seconds: 25 });
    expect(res.body.status).toBe("SUCCEEDED");
    expect(res.body.trials).toHaveLength(4);
    expect(
      res.body.trials.some(
        (t: { config: { ef_construction: number } }) => t.config.ef_construction === 40,
      ),
    ).toBe(false);
    expect(res.body.failed_groups).toHaveLength(1);
    expect(res.body.failed_groups[0].group).toMatchObject({
      ef_construction: 40,
      ef_searches: [30],
    });
    expect(res.body.failed_groups[0].error).toContain("injected build failure");
    expect(res.body.promoted).toBe(true);
    expect(res.body.reason).toContain("1 build group(s) failed");
  });

  it("marks the job FAILED when planning fails, and frees the index", async () => {
    await indexWithHarness("stale-plan");
    // Make the harness stale: an API start does not refresh it, so Plan refuses.
    await api.post("/vectors/indexes/stale-plan/vectors", {
      vectors: randomVectors(1, 8, 99, "extra"),
    });
    const res = await autotune({
      index_name: "stale-plan",
      harness: "stale-plan-h",
      wait_seconds: 25,
    });
    expect(res.body.status).toBe("FAILED");
    expect(res.body.reason).toMatch(
      /^planning failed: ConflictError: harness "stale-plan-h" predates/,
    );
    await api.post("/vectors/hnsw/evals/stale-plan-h/refresh");
    expect(
      (await autotune({ index_name: "stale-plan", harness: "stale-plan-h", wait_seconds: 25 })).body
        .status,
    ).toBe("SUCCEEDED");
  });
});
