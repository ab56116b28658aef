import { existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  METRICS_NAMESPACE,
  PENDING_VECTORS_DIMENSIONS,
  PENDING_VECTORS_METRIC,
} from "../../infra/metrics";
import { createServices } from "../../src/wiring";
import { freshSearchHelpers } from "../support/fresh-search";
import { useLocalStack } from "../support/stacks";
import { randomVectors } from "../support/vectors";

// The metric the stack's freshness alarm watches, as the search functions emit it: metrics are on here
// (the local stack turns them off only when nothing set them), so EMF lines reach stdout.
vi.hoisted(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = "false";
});

const env = useLocalStack();
const { api, search, activeIndex } = freshSearchHelpers(env);

/** EMF lines written to stdout (kept here, not printed). */
const emitted: string[] = [];
beforeAll(() => {
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, "write").mockImplementation((chunk, ...rest) => {
    const text = String(chunk);
    if (!text.startsWith('{"_aws"')) return write(chunk, ...(rest as []));
    emitted.push(text);
    return true;
  });
});
afterAll(() => vi.restoreAllMocks());

/** The PendingVectors values emitted while `run` ran. */
async function pendingEmitted(run: () => Promise<unknown>): Promise<number[]> {
  const from = emitted.length;
  await run();
  return emitted
    .slice(from)
    .filter((line) => line.includes(`"${PENDING_VECTORS_METRIC}"`))
    .map((line) => {
      const emf = JSON.parse(line);
      // Exactly what the alarm selects: the namespace and the dimensions, in the search's line.
      expect(emf._aws.CloudWatchMetrics).toEqual([
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [["service", ...Object.keys(PENDING_VECTORS_DIMENSIONS)]],
          Metrics: [
            { Name: "SearchLatency", Unit: "Milliseconds" },
            { Name: PENDING_VECTORS_METRIC, Unit: "Count" },
          ],
        },
      ]);
      expect(emf).toMatchObject({ service: METRICS_NAMESPACE, ...PENDING_VECTORS_DIMENSIONS });
      return emf[PENDING_VECTORS_METRIC] as number;
    });
}

/** The CatchUpTime lines emitted while `run` ran, and what `run` returned. */
async function catchUpsEmitted<T>(run: () => Promise<T>) {
  const from = emitted.length;
  const result = await run();
  const lines = emitted
    .slice(from)
    .filter((line) => line.includes('"CatchUpTime"'))
    .map((line) => JSON.parse(line));
  return { result, lines };
}

describe("the catch-up time", () => {
  it("tells catch-ups from the graph an instance holds or kept from those that downloaded it", async () => {
    await activeIndex("warmth", 60);
    const write = async (seed: number) => {
      const vectors = randomVectors(6, 8, seed).map((v) => ({ ...v, id: `n${seed}-${v.id}` }));
      expect((await api.post("/vectors/indexes/warmth/vectors", { vectors })).status).toBe(200);
    };
    // The instance that built the active graph still holds it in its generation thread.
    await write(1);
    const held = await catchUpsEmitted(() => env.services.maintenance.catchUp("warmth"));
    expect(held.result).toMatchObject({ outcome: "caught_up", added: 6, graph_from: "held" });
    const found = await search("warmth", randomVectors(6, 8, 1)[4]?.values as number[], 1);
    expect(found).toMatchObject({ pending_vectors: 0, results: [{ id: "n1-v4", distance: 0 }] });
    // Any other hnswlib work on the instance lets that graph go; its file stays on disk.
    const scratch = join(tmpdir(), `vectord-freshness-${process.pid}.hnsw`);
    const rows = { data: new Float32Array(16 * 8).fill(0.5), dimension: 8, rows: 16 };
    const build = { m: 4, ef_construction: 10, seed: 1 };
    await env.services.runner.build({ rows, metric: "l2", build, path: scratch });
    rmSync(scratch, { force: true });
    await write(2);
    const warm = await catchUpsEmitted(() => env.services.maintenance.catchUp("warmth"));
    expect(warm.result).toMatchObject({ outcome: "caught_up", added: 6, graph_from: "kept" });
    // A new instance has to download it.
    await write(3);
    const instance = createServices({ ...env.services.settings });
    let keptPath: string | undefined;
    const cold = await catchUpsEmitted(() => instance.maintenance.catchUp("warmth")).finally(
      async () => {
        // It keeps the graph it wrote on its disk until it closes, and leaves nothing behind.
        const caughtUp = (await instance.vectors.getIndex("warmth")).active?.graph_key as string;
        keptPath = instance.graphFiles.acquire(caughtUp);
        await instance.graphFiles.release(caughtUp);
        await instance.close();
      },
    );
    expect(keptPath).toBeDefined();
    expect(existsSync(keptPath as string)).toBe(false);
    expect(cold.result).toMatchObject({ outcome: "caught_up", added: 6, graph_from: "downloaded" });
    for (const [{ result, lines }, graph] of [
      [held, "held"],
      [warm, "kept"],
      [cold, "downloaded"],
    ] as const) {
      const total = (result as { total_ms: number }).total_ms;
      expect(total).toBeGreaterThanOrEqual((result as { time_ms: number }).time_ms);
      // What the pass touched of new memory rides along, counted over the same span.
      const faults = (result as { page_faults: number }).page_faults;
      expect(Number.isInteger(faults) && faults >= 0).toBe(true);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        service: METRICS_NAMESPACE,
        outcome: "caught_up",
        graph,
        CatchUpTime: total,
      });
      expect(lines[0]._aws.CloudWatchMetrics[0].Metrics).toEqual([
        { Name: "CatchUpTime", Unit: "Milliseconds" },
      ]);
    }
  });
});

describe("the freshness metric", () => {
  it("emits each HNSW search's pending vectors, back to none after a catch-up", async () => {
    await activeIndex("lag", 60);
    const query = Array(8).fill(0.5);
    expect(await pendingEmitted(() => search("lag", query))).toEqual([0]);

    const pending = randomVectors(7, 8, 99).map((v) => ({ ...v, id: `p${v.id}` }));
    expect((await api.post("/vectors/indexes/lag/vectors", { vectors: pending })).status).toBe(200);
    expect(await pendingEmitted(() => search("lag", query))).toEqual([7]);

    expect(await env.services.maintenance.catchUp("lag")).toMatchObject({ outcome: "caught_up" });
    expect(await pendingEmitted(() => search("lag", query))).toEqual([0]);
  });

  it("emits nothing for an exact search, which has no graph to lag", async () => {
    expect((await api.put("/vectors/indexes/plain", { dimension: 8, metric: "l2" })).status).toBe(
      201,
    );
    await api.post("/vectors/indexes/plain/vectors", { vectors: randomVectors(5, 8, 3) });
    const pending = await pendingEmitted(async () => {
      const res = await api.post("/vectors/indexes/plain/search", { vector: Array(8).fill(0) });
      expect(res.body.mode).toBe("exact");
    });
    expect(pending).toEqual([]);
  });
});
