import { describe, expect, it, vi } from "vitest";
import { ByteBudget } from "../../src/app/byte-budget";
import type { VectorStore } from "../../src/app/vector-store";
import { idHash, sortedHashOrder } from "../../src/domain/id-digest";
import { localTasks } from "../../src/local/local-tasks";
import { useLocalStack } from "../support/stacks";
import { countingReads, listEveryId, storesOn } from "../support/stores";

// Listing an index's live vector ids, page by page: each live id once, in the order of its hash,
// however the pages fall between compactions and writes.

// The id hashing the listing asks for, counted (the same functions, spied on).
vi.mock("../../src/domain/id-digest", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../src/domain/id-digest")>();
  return {
    ...actual,
    idHash: vi.fn(actual.idHash),
    sortedHashOrder: vi.fn(actual.sortedHashOrder),
  };
});

const env = useLocalStack();
const api = env.api;
const { storage, quietStore, storeAndCompactor } = storesOn(env);

type Page = { ids: string[]; next_token?: string };

/** Every page of the index's ids through the API, `limit` a page. */
async function listAll(index: string, limit: number): Promise<Page[]> {
  const pages: Page[] = [];
  let token: string | undefined;
  do {
    const query = `limit=${limit}${token ? `&next_token=${encodeURIComponent(token)}` : ""}`;
    const res = await api.get(`/vectors/indexes/${index}/vectors?${query}`);
    expect(res.status).toBe(200);
    pages.push(res.body as Page);
    token = (res.body as Page).next_token;
  } while (token);
  return pages;
}

/** The ids' hashes strictly increase: the listing's order. */
function expectHashOrder(ids: readonly string[]) {
  for (let i = 1; i < ids.length; i++) {
    expect(idHash(ids[i] as string) > idHash(ids[i - 1] as string)).toBe(true);
  }
}

describe("listing vector ids", () => {
  it("pages through every live id once, in hash order, after deletes, re-upserts and compactions", async () => {
    await api.put("/vectors/indexes/ids", { dimension: 2, metric: "l2" });
    const live = new Set<string>();
    for (let batch = 0; batch < 6; batch++) {
      const vectors = Array.from({ length: 7 }, (_, i) => ({
        id: `v${batch * 7 + i}`,
        values: [batch, i],
      }));
      await api.post("/vectors/indexes/ids/vectors", { vectors });
      for (const v of vectors) live.add(v.id);
    }
    await api.post("/vectors/indexes/ids/vectors/delete", { ids: ["v3", "v10", "v40"] });
    for (const id of ["v3", "v10", "v40"]) live.delete(id);
    await api.post("/vectors/indexes/ids/vectors", { vectors: [{ id: "v11", values: [9, 9] }] });
    await localTasks().drain(); // the writes' compactions
    const pages = await listAll("ids", 5);
    const ids = pages.flatMap((p) => p.ids);
    expect(ids.length).toBe(live.size);
    expect(new Set(ids)).toEqual(live);
    expectHashOrder(ids);
    expect(pages.slice(0, -1).every((p) => p.ids.length === 5)).toBe(true);
    expect(pages.at(-1)?.next_token).toBeUndefined();
    // One page of them all says so.
    const one = await api.get("/vectors/indexes/ids/vectors?limit=1000");
    expect(one.body).toEqual({ ids });
    // An empty index: no ids, no token.
    await api.put("/vectors/indexes/ids-none", { dimension: 2, metric: "l2" });
    expect((await api.get("/vectors/indexes/ids-none/vectors")).body).toEqual({ ids: [] });
  });

  it("refuses a bad limit or token with a 400 naming it, and an unknown index with a 404", async () => {
    await api.put("/vectors/indexes/ids-bad", { dimension: 2, metric: "l2" });
    const bad = await api.get("/vectors/indexes/ids-bad/vectors?limit=1001");
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/limit/);
    const shaped = Buffer.from('{"after":"not-hex"}').toString("base64url");
    const token = await api.get(`/vectors/indexes/ids-bad/vectors?next_token=${shaped}`);
    expect(token.status).toBe(400);
    expect(token.body.error.message).toContain(`next_token "${shaped}"`);
    const unknown = await api.get("/vectors/indexes/no-such/vectors");
    expect(unknown.body.error.code).toBe("index_not_found");
  });

  it("lists an id live throughout exactly once while compactions and writes land between pages", async () => {
    const { vectors, compactor } = storeAndCompactor(256);
    await vectors.createIndex("ids-moving", { dimension: 2, metric: "l2" });
    for (let s = 0; s < 8; s++) {
      await vectors.upsert(
        "ids-moving",
        Array.from({ length: 5 }, (_, i) => ({ id: `k${s * 5 + i}`, values: [s, i] })),
      );
    }
    const before = new Set(Array.from({ length: 40 }, (_, i) => `k${i}`));
    const touched = new Set<string>();
    // Between pages: a compaction, new ids, deletions, re-upserts.
    const { ids: listed } = await listEveryId(vectors, "ids-moving", 4, async (round) => {
      await compactor.run("ids-moving");
      await vectors.upsert("ids-moving", [{ id: `new${round}`, values: [round, 0] }]);
      const doomed = [`k${(round * 7) % 40}`, `k${(round * 11) % 40}`];
      await vectors.deleteVectors("ids-moving", doomed);
      await vectors.upsert("ids-moving", [{ id: `k${(round * 13) % 40}`, values: [0, round] }]);
      for (const id of [...doomed, `k${(round * 13) % 40}`]) touched.add(id);
    });
    expect(touched.size).toBeGreaterThan(0);
    expect(new Set(listed).size).toBe(listed.length); // no id twice
    for (const id of before) {
      if (!touched.has(id)) expect(listed).toContain(id);
    }
    expectHashOrder(listed);
  });

  it("names the ids of large segments through their directories, never reading a manifest whole", async () => {
    const writer = quietStore(storage(1));
    await writer.createIndex("ids-dir", { dimension: 2, metric: "l2" });
    for (let s = 0; s < 3; s++) {
      await writer.upsert(
        "ids-dir",
        Array.from({ length: 30 }, (_, i) => ({
          id: `d${s}-${i}`,
          values: [s, i],
          metadata: { text: "x".repeat(100) },
        })),
      );
    }
    await writer.deleteVectors("ids-dir", ["d0-0", "d1-1"]);
    const parts = storage(1);
    const reads = countingReads(parts);
    const cold: VectorStore = quietStore(parts);
    const { ids: all, pages } = await listEveryId(cold, "ids-dir", 25);
    expect(all.length).toBe(88);
    expect(all).not.toContain("d0-0");
    expectHashOrder(all);
    // Per segment its directory's block index once (kept), then per page one read of names.
    expect(reads.manifests).toBe(0);
    expect(reads.values).toBe(0);
    expect(reads.directory).toBeLessThanOrEqual(3 + pages * 3);
    expect(reads.ranged).toBe(reads.directory);
  });

  it("names the ids of small segments through their manifests, hashing each segment's ids once, not once a page", async () => {
    const writer = quietStore(storage());
    await writer.createIndex("ids-small", { dimension: 2, metric: "l2" });
    for (let s = 0; s < 3; s++) {
      await writer.upsert(
        "ids-small",
        Array.from({ length: 30 }, (_, i) => ({ id: `m${s}-${i}`, values: [s, i] })),
      );
    }
    const budget = new ByteBudget();
    const cold = quietStore(storage(), { budget });
    vi.mocked(idHash).mockClear();
    vi.mocked(sortedHashOrder).mockClear();
    const { ids: all, pages } = await listEveryId(cold, "ids-small", 10);
    expect(pages).toBe(9);
    // Each segment's ids put in hash order once, kept at 4 bytes an id; no id hashed per page.
    expect(vi.mocked(sortedHashOrder).mock.calls.map(([ids]) => ids.length)).toEqual([30, 30, 30]);
    expect(vi.mocked(idHash)).not.toHaveBeenCalled();
    expect(budget.bytes("order/")).toBe(4 * 90);
    expect(all.length).toBe(90);
    expect(new Set(all).size).toBe(90);
    expectHashOrder(all);
  });
});
