import { describe, expect, it } from "vitest";
import { describeSoak, runSoak } from "../../bench/soak";
import { localTasks } from "../../src/local/local-tasks";
import { useLocalStack } from "../support/stacks";

// The soak of `npm run soak`, shortened for CI: 20 writers and 20 searchers for 8 seconds.

const env = useLocalStack();

describe("soak", () => {
  it("keeps every promise under concurrent writers and searchers, through activations and catch-ups", async () => {
    const options = { seconds: 8, initial: 500, index: "soak-ci" };
    const report = await runSoak(env.stack.url, () => localTasks().drain(), options);
    console.log(describeSoak(report, options));
    expect(report.statuses["5xx"] ?? 0).toBe(0);
    expect(report.statuses["4xx"] ?? 0).toBe(0);
    expect(report.writes).toBeGreaterThan(500);
    expect(report.searches).toBeGreaterThan(200);
    expect(report.missing).toEqual([]);
    expect(report.resurrected).toEqual([]);
    expect(report.listing).toEqual([]);
    expect(report.finalCount).toBe(report.expectedCount);
    // An activation half-way, and catch-ups as writes flowed: searches saw several generations.
    expect(report.generations.length).toBeGreaterThan(2);
  }, 120_000);
});
