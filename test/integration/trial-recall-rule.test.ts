import { ulid } from "ulid";
import { describe, expect, it } from "vitest";
import { DynamoTrialJournal } from "../../src/adapters/dynamo-trial-journal";
import { createClients } from "../../src/clients";
import type { Trial } from "../../src/domain/trial";
import { useLocalStack } from "../support/stacks";
import { indexWithCopyGroups, indexWithHarness } from "../support/vectors";

// How a trial counts recall: ties at the k-th distance count as found (`recall_rule` "ties"), and
// trials journaled before the rule was recorded read as having counted ids.
const env = useLocalStack();
const api = env.api;
const trial = (index: string, harness: string, config: Record<string, unknown>) =>
  api.post("/vectors/hnsw/trial", { index_name: index, harness, config });

describe("trial recall rule", () => {
  it("counts a duplicate of a true neighbor as found: an exhaustive search of data with copies reads recall 1", async () => {
    // 1,500 vectors and 40 groups of 8 exact copies of some of them. A neighbor list keeps one
    // copy of a group, so which copies a search returns depends on its walk: a query whose top 10
    // ends inside a group gets other copies than the exact scan kept, at the same distance.
    await indexWithCopyGroups(api, "copies", 200);
    // ef_search at its largest: the search finds what the graph can reach.
    const exhaustive = await trial("copies", "copies-h", {
      ef_construction: 100,
      ef_search: 200,
      m: 8,
      seed: 42,
    });
    expect(exhaustive.status).toBe(201);
    expect(exhaustive.body.metrics).toMatchObject({ recall_at_k: 1, recall_stderr: 0 });
  });

  it("reads a trial journaled before the recall rule was recorded as counting ids, in the journal, the best pick and the registry", async () => {
    await indexWithHarness(api, "older-rule", {
      count: 40,
      dimension: 4,
      seed: 3,
      queries: 5,
      k: 3,
    });
    const now = await trial("older-rule", "older-rule-h", { ef_construction: 20, ef_search: 10 });
    expect(now.body.metrics.recall_rule).toBe("ties");
    // The item an earlier version journaled: the same trial, later in the journal, no rule.
    const journal = new DynamoTrialJournal(
      createClients(env.stack.settings).doc,
      env.stack.settings.tables.trials,
    );
    const stored = (await journal.get("older-rule", now.body.trial_id)) as Trial;
    expect(stored.metrics.recall_rule).toBe("ties");
    const { recall_rule: _rule, ...olderMetrics } = stored.metrics;
    const olderId = ulid(Date.now() + 1000);
    await journal.append({ ...stored, trial_id: olderId, metrics: olderMetrics });

    const older = await api.get(`/vectors/hnsw/trials/older-rule/${olderId}`);
    expect(older.status).toBe(200);
    expect(older.body.metrics).toEqual({ ...now.body.metrics, recall_rule: "ids" });
    const listed = (await api.get("/vectors/hnsw/trials/older-rule")).body.trials;
    expect(listed.map((t: { metrics: { recall_rule: string } }) => t.metrics.recall_rule)).toEqual([
      "ids",
      "ties",
    ]);
    // Equal recall and p50: the earlier id wins, and an older trial still reads as one.
    const best = await api.get("/vectors/hnsw/trials/older-rule/best?min_recall=0");
    expect(best.body.trial_id).toBe(now.body.trial_id);
    const promoted = await api.post(`/vectors/hnsw/promote/older-rule/${olderId}`);
    expect(promoted.status).toBe(200);
    expect(promoted.body.current.metrics.recall_rule).toBe("ids");
    const registry = await api.get("/vectors/hnsw/promoted/older-rule");
    expect(registry.body.current.metrics.recall_rule).toBe("ids");
  });
});
