import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { OrphanSweeper } from "../../src/app/orphan-sweeper";
import { apiHandler, json } from "../../src/http/api-handler";
import { indexNameSchema } from "../../src/http/schemas";
import { searchRequestOf, searchResponseFor } from "../../src/http/search-io";
import { searchBody } from "../../src/http/search-schemas";
import { upsertBody } from "../../src/http/vector-schemas";
import { createServices, type Services } from "../../src/wiring";
import { apiEvent } from "../package/api-event";
import { FaultInjector } from "../support/faults";
import { storedKeys } from "../support/objects";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

// Injected storage faults under the real SDK: throttling, 500s, timeouts, a missing object.
// Transient faults are retried (the SDK's backoff with jitter); what still fails is a clear 503
// with nothing half-written.

const env = useLocalStack();
const api = env.api;
const injector = new FaultInjector();
let faulty: Services;

beforeAll(() => {
  faulty = createServices({ ...env.stack.settings, wrapHandler: injector.wrap });
});
afterAll(async () => {
  await faulty?.close();
});
afterEach(() => {
  injector.clear();
  injector.injected.length = 0;
});

// The upsert and search handlers over the faulty services (same edge code as functions/).
const upsert = apiHandler(async (req) => {
  const name = req.path("index", indexNameSchema);
  const result = await faulty.ingest.upsert(name, req.body(upsertBody).vectors, req.caller);
  return json(200, { count: result.count, data_version: result.dataVersion });
});
const search = apiHandler(async (req) => {
  const body = req.body(searchBody);
  const result = await faulty.search.search(
    req.path("index", indexNameSchema),
    searchRequestOf(body),
  );
  return json(200, searchResponseFor(body, result));
});
const call = async (
  handler: typeof upsert,
  route: { method: "POST"; path: string },
  index: string,
  body: unknown,
) => {
  const res = await handler(apiEvent(route, { params: { index }, body }));
  return {
    status: res.statusCode as number,
    headers: res.headers ?? {},
    body: JSON.parse(res.body as string),
  };
};
const UPSERT = { method: "POST", path: "/vectors/indexes/{index}/vectors" } as const;
const SEARCH = { method: "POST", path: "/vectors/indexes/{index}/search" } as const;

const keysUnder = (prefix: string) => storedKeys(env.stack.settings, prefix);

async function freshIndex(name: string) {
  await api.put(`/vectors/indexes/${name}`, { dimension: 4, metric: "l2" });
  await upsertAll(api, name, randomVectors(10, 4, 3));
  return (await api.get(`/vectors/indexes/${name}`)).body as {
    count: number;
    data_version: number;
  };
}

describe("transient faults are retried", () => {
  it.each([
    ["throttling on the catalog write", "dynamodb", "UpdateItem", "throttle"],
    ["500s on the catalog write", "dynamodb", "UpdateItem", "server_error"],
    ["a timeout on the catalog read", "dynamodb", "GetItem", "timeout"],
    ["S3 throttling on the segment write", "s3", "PUT", "throttle"],
    ["S3 500s on the segment write", "s3", "PUT", "server_error"],
  ] as const)("succeeds through %s", async (_, service, operation, fault) => {
    const name = `retry-${service}-${fault}-${operation.toLowerCase()}`;
    const before = await freshIndex(name);
    injector.add({ service, match: (op) => op.startsWith(operation), fault, times: 2 });
    const rows = randomVectors(5, 4, 9, "r");
    const res = await call(upsert, UPSERT, name, { vectors: rows });
    expect(res.status).toBe(200);
    expect(injector.injected).toHaveLength(2);
    expect(res.body).toEqual({ count: before.count + 5, data_version: before.data_version + 1 });
    const got = await api.get(`/vectors/indexes/${name}/vectors/${rows[0]?.id}`);
    expect(got.status).toBe(200);
  });
});

describe("sustained faults", () => {
  it("answers 503 with nothing written when the catalog keeps failing", async () => {
    const name = "down-catalog";
    const before = await freshIndex(name);
    const segmentsBefore = await keysUnder(`indexes/${name}/`);
    injector.add({
      service: "dynamodb",
      match: (op) => op === "UpdateItem",
      fault: "server_error",
      times: Infinity,
    });
    const res = await call(upsert, UPSERT, name, { vectors: randomVectors(5, 4, 11, "x") });
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("1");
    expect(res.body.error).toMatchObject({ code: "service_unavailable" });
    expect(res.body.error.message).toMatch(/InternalServerError.*retrying it is safe/);
    // The SDK retried: 4 attempts per call.
    expect(injector.injected.filter((f) => f.includes("UpdateItem")).length).toBeGreaterThanOrEqual(
      4,
    );
    injector.clear();
    // Nothing changed that anyone can see; the segment written before the failed catalog write
    // is an orphan the sweep removes (an ambiguous write is never undone in place).
    expect((await api.get(`/vectors/indexes/${name}`)).body).toMatchObject(before);
    expect((await api.get(`/vectors/indexes/${name}/vectors/x0`)).status).toBe(404);
    const sweeper = new OrphanSweeper({
      catalog: (faulty.search as unknown as { deps: { states: { deps: { catalog: never } } } }).deps
        .states.deps.catalog,
      blobs: (faulty.builder as unknown as { deps: { blobs: never } }).deps.blobs,
      graceMs: 0,
    });
    expect(await sweeper.sweep(name)).toBe(3);
    expect(await keysUnder(`indexes/${name}/`)).toEqual(segmentsBefore);
  });

  it("answers 503 and removes the partial segment when S3 keeps failing", async () => {
    const name = "down-s3";
    const before = await freshIndex(name);
    const segmentsBefore = await keysUnder(`indexes/${name}/`);
    injector.add({
      service: "s3",
      match: (op) => op.startsWith("PUT") && op.endsWith(".json"),
      fault: "throttle",
      times: Infinity,
    });
    const res = await call(upsert, UPSERT, name, { vectors: randomVectors(5, 4, 12, "y") });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/SlowDown/);
    injector.clear();
    expect((await api.get(`/vectors/indexes/${name}`)).body).toMatchObject(before);
    // The values and digest that did get written were removed at once.
    expect(await keysUnder(`indexes/${name}/`)).toEqual(segmentsBefore);
  });

  it("answers a search 503 when the catalog read keeps timing out", async () => {
    const name = "down-search";
    await freshIndex(name);
    injector.add({
      service: "dynamodb",
      match: (op) => op === "GetItem",
      fault: "timeout",
      times: Infinity,
    });
    const res = await call(search, SEARCH, name, { vector: [0, 0, 0, 0] });
    expect(res.status).toBe(503);
    expect(res.body.error.message).toMatch(/TimeoutError/);
    injector.clear();
    expect((await call(search, SEARCH, name, { vector: [0, 0, 0, 0] })).status).toBe(200);
  });
});

describe("an object missing between the catalog read and the object read", () => {
  it("reads again from a fresh catalog record", async () => {
    const name = "vanishing";
    await freshIndex(name);
    await faulty.search.search(name, { queries: [[0, 0, 0, 0]], exact: true });
    await api.post(`/vectors/indexes/${name}/vectors`, { vectors: randomVectors(3, 4, 13, "z") });
    // The segment the search's catalog record names is gone once (a compaction replaced it).
    injector.add({
      service: "s3",
      match: (op) => op.startsWith("GET") && op.includes("/segments/"),
      fault: "not_found",
      times: 1,
    });
    const res = await call(search, SEARCH, name, { vector: [0, 0, 0, 0], k: 20, exact: true });
    expect(res.status).toBe(200);
    expect(injector.injected).toHaveLength(1);
    expect(res.body.results).toHaveLength(13);
  });
});
