import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../infra/routes";
import { TABLES, type TableKey } from "../../infra/tables";
import { createClients } from "../../src/clients";
import { everyListedDefect, type Request, requestsFor } from "../support/fuzz-requests";
import { VEC } from "../support/fuzz-templates";
import { storedObjects } from "../support/objects";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

// A property-based fuzzer over every route: each request carries at least one defect (a bad
// path parameter, a wrong method, broken or non-object JSON, an unknown field, a field of the
// wrong type or out of range, a bad query parameter), with noise on top (deep nesting, oversized
// strings and arrays). Every answer must be a 4xx in the error shape; afterwards the service
// still answers, and catalog, segments, journal, registry, jobs and the rest are unchanged.

const env = useLocalStack();
const api = env.api;

async function snapshot() {
  const clients = createClients(env.stack.settings);
  const tables: Record<string, unknown[]> = {};
  for (const key of Object.keys(TABLES) as TableKey[]) {
    const out = await clients.doc.send(
      new ScanCommand({ TableName: env.stack.settings.tables[key], ConsistentRead: true }),
    );
    tables[key] = (out.Items ?? []).sort((a, b) =>
      JSON.stringify(a).localeCompare(JSON.stringify(b)),
    );
  }
  const objects = await storedObjects(env.stack.settings);
  return { tables, objects: objects.map((o) => `${o.Key} ${o.ETag} ${o.Size}`) };
}

beforeAll(async () => {
  // A fixture every template refers to: an index with vectors, a harness, a trial, a
  // promotion, a profile and a policy.
  await api.put("/vectors/indexes/fz", { dimension: 4, metric: "l2" });
  await upsertAll(
    api,
    "fz",
    randomVectors(40, 4, 2).map((r, i) => ({ ...r, id: `v${i}` })),
  );
  await api.post("/vectors/hnsw/evals/fz-h/autogen", { index_name: "fz", count: 5, k: 3 });
  const trial = await api.post("/vectors/hnsw/trial", {
    index_name: "fz",
    harness: "fz-h",
    config: { ef_construction: 40, ef_search: 20, m: 8 },
  });
  await api.post(`/vectors/hnsw/promote/fz/${trial.body.trial_id}`);
  await api.put("/vectors/profiles/fzp", { indexes: ["fz"] });
  await api.put("/vectors/hnsw/autotune/policies/fz", { harness: "fz-h", every_minutes: 600 });
});

/** Sends one request; asserts a 4xx in the error shape; the status. */
async function refused(request: Request): Promise<number> {
  const res = await fetch(`${env.stack.url}${request.path}`, {
    method: request.method,
    ...(request.body !== undefined
      ? { body: request.body, headers: { "content-type": "application/json" } }
      : {}),
  });
  const text = await res.text();
  const where = `${request.method} ${request.path.slice(0, 120)} (${request.defect}) -> ${res.status} ${text.slice(0, 300)}`;
  expect(res.status, where).toBeGreaterThanOrEqual(400);
  expect(res.status, where).toBeLessThan(500);
  const body = JSON.parse(text);
  expect(Object.keys(body), where).toEqual(["error"]);
  expect(typeof body.error.code, where).toBe("string");
  expect(typeof body.error.message, where).toBe("string");
  expect(body.error.message, where).not.toMatch(/\n\s+at /);
  return res.status;
}

describe("fuzzing every route", () => {
  it("answers every malformed request 4xx in the error shape, and changes nothing", async () => {
    const before = await snapshot();
    const seen = new Map<string, number>();
    const count = (status: number) => seen.set(String(status), (seen.get(String(status)) ?? 0) + 1);
    const listed = everyListedDefect();
    expect(listed.length).toBeGreaterThan(200);
    for (const request of listed) count(await refused(request));
    // Then random combinations, with noise, 40 per route.
    for (const route of ROUTES) {
      await fc.assert(
        fc.asyncProperty(requestsFor(route), async (request) => {
          count(await refused(request));
        }),
        { numRuns: 40 },
      );
    }
    // Refusals of every kind were seen, not one kind only.
    expect([...seen.keys()].sort()).toEqual(expect.arrayContaining(["400", "405"]));
    expect(await snapshot()).toEqual(before);
    // The service still answers.
    expect((await api.get("/vectors/indexes/fz")).body.count).toBe(40);
    const hit = await api.post("/vectors/indexes/fz/search", { vector: VEC, k: 1 });
    expect(hit.status).toBe(200);
  });
});
