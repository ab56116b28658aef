import { describe, expect, it } from "vitest";
import { createServices } from "../../src/wiring";
import { freshSearchHelpers } from "../support/fresh-search";
import { useLocalStack } from "../support/stacks";
import { randomVectors } from "../support/vectors";

// Several indexes catching up in turn on one warm instance: what it keeps of their graphs between
// catch-ups (in memory and on disk) depends on its budget for them.

const env = useLocalStack();
const { api, search, activeIndex } = freshSearchHelpers(env);

/** The seed of the vectors written last to each index. */
const written = new Map<string, number>();

/** Writes 6 new vectors to `index` (catch-up is off: they stay pending until asked). */
async function write(index: string) {
  const seed = written.size === 0 ? 1 : Math.max(...written.values()) + 1;
  written.set(index, seed);
  const vectors = randomVectors(6, 8, seed).map((v) => ({ ...v, id: `n${seed}-${v.id}` }));
  expect((await api.post(`/vectors/indexes/${index}/vectors`, { vectors })).status).toBe(200);
}

/**
 * On a new instance with `heldGraphBytes`, catches up `indexes` in turn, twice over (new vectors
 * before each); where each catch-up's graph came from, and the files the instance kept.
 */
async function alternate(indexes: readonly string[], heldGraphBytes: number) {
  const instance = createServices({ ...env.services.settings, heldGraphBytes });
  const sources: string[] = [];
  try {
    for (let round = 0; round < 2; round++) {
      for (const index of indexes) {
        await write(index);
        const done = await instance.maintenance.catchUp(index);
        expect(done).toMatchObject({ outcome: "caught_up", added: 6 });
        sources.push(`${index}:${(done as { graph_from: string }).graph_from}`);
      }
    }
    return { sources, kept: instance.graphFiles.keys() };
  } finally {
    await instance.close();
  }
}

describe("graphs a warm instance keeps for their next catch-ups", () => {
  it("are those of several indexes within its budget, and only the last one without", async () => {
    await activeIndex("keep-a", 60);
    await activeIndex("keep-b", 60);
    const active = async (index: string) =>
      (await env.services.vectors.getIndex(index)).active?.graph_key;
    // A budget of 64 MiB fits both graphs: each index's second catch-up starts from memory.
    const roomy = await alternate(["keep-a", "keep-b"], 64 * 2 ** 20);
    expect(roomy.sources).toEqual([
      "keep-a:downloaded",
      "keep-b:downloaded",
      "keep-a:held",
      "keep-b:held",
    ]);
    // On disk it kept both indexes' active graphs, and no graph a catch-up superseded.
    expect(roomy.kept.sort()).toEqual([await active("keep-a"), await active("keep-b")].sort());
    // No budget (the default off Lambda): each catch-up lets the other index's graph go.
    const tight = await alternate(["keep-a", "keep-b"], 0);
    expect(tight.sources).toEqual([
      "keep-a:downloaded",
      "keep-b:downloaded",
      "keep-a:downloaded",
      "keep-b:downloaded",
    ]);
    expect(tight.kept).toEqual([await active("keep-b")]);
    // Every caught-up graph serves its writes.
    const seed = written.get("keep-a") as number;
    const found = await search("keep-a", randomVectors(6, 8, seed)[3]?.values as number[], 1);
    expect(found).toMatchObject({
      pending_vectors: 0,
      results: [{ id: `n${seed}-v3`, distance: 0 }],
    });
  });
});
