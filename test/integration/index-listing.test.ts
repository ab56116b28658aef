import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { describe, expect, it } from "vitest";
import { Housekeeping } from "../../src/app/housekeeping";
import { createClients } from "../../src/clients";
import { localTasks } from "../../src/local/local-tasks";
import { createCatalog } from "../../src/wiring";
import { useLocalStack } from "../support/stacks";

const env = useLocalStack();
const api = env.api;

const NAMES = ["kiwi", "apple", "mango", "fig", "banana", "cherry", "date"];

type Listing = { indexes: { name: string }[]; next_token?: string };

/** Every page of `GET /vectors/indexes?limit=…`, following next_token. */
async function pages(limit: number): Promise<Listing[]> {
  const all: Listing[] = [];
  let token: string | undefined;
  do {
    const query = `limit=${limit}${token ? `&next_token=${encodeURIComponent(token)}` : ""}`;
    const res = await api.get(`/vectors/indexes?${query}`);
    expect(res.status).toBe(200);
    all.push(res.body as Listing);
    token = (res.body as Listing).next_token;
  } while (token);
  return all;
}

describe("listing indexes", () => {
  it("pages through every index once, each page by name, an index just created included", async () => {
    for (const name of NAMES) {
      expect(
        (await api.put(`/vectors/indexes/${name}`, { dimension: 2, metric: "l2" })).status,
      ).toBe(201);
    }
    const listed = await pages(3);
    expect(listed.length).toBeGreaterThanOrEqual(3);
    for (const page of listed) {
      const names = page.indexes.map((i) => i.name);
      expect(names.length).toBeLessThanOrEqual(3);
      expect(names).toEqual([...names].sort());
    }
    const names = listed.flatMap((page) => page.indexes.map((i) => i.name));
    expect(names.sort()).toEqual([...NAMES].sort());
    expect(listed.at(-1)?.next_token).toBeUndefined();

    // The default page holds them all, by name, with the same fields as GET of one index.
    const one = await api.get("/vectors/indexes");
    expect(one.body.next_token).toBeUndefined();
    expect(one.body.indexes.map((i: { name: string }) => i.name)).toEqual([...NAMES].sort());
    expect(one.body.indexes[0]).toEqual((await api.get("/vectors/indexes/apple")).body);
  });

  it("reads one page of the catalog per request, never all of it", async () => {
    const clients = createClients(env.stack.settings);
    const { doc } = clients;
    const scanned: number[] = [];
    const send = doc.send.bind(doc) as (command: unknown) => Promise<Record<string, unknown>>;
    // Records what each Scan of the real emulator read.
    (doc as { send: unknown }).send = async (command: unknown) => {
      const out = await send(command);
      if (command instanceof ScanCommand) scanned.push(out.ScannedCount as number);
      return out;
    };
    const catalog = createCatalog(env.stack.settings, clients);
    const first = await catalog.list(2);
    expect(first.items).toHaveLength(2);
    expect(scanned).toEqual([2]);
    const second = await catalog.list(2, first.next);
    expect(scanned).toEqual([2, 2]);
    expect(second.items.map((i) => i.name)).not.toContain(first.items[0]?.name);
  });

  it("housekeeping walks every page of the catalog", async () => {
    const housekeeping = new Housekeeping({
      vectors: env.services.vectors,
      tasks: env.services.tasks,
      purger: env.services.purger,
      sweepMinutes: 0,
      listPage: 2,
    });
    const swept = await housekeeping.onSchedule(new Date(), 5);
    expect([...swept.compacting].sort()).toEqual([...NAMES].sort());
    await localTasks().drain();
  });

  it("refuses bad limits and tokens with 400s naming them", async () => {
    for (const limit of ["0", "1001", "ten", "2.5"]) {
      const res = await api.get(`/vectors/indexes?limit=${limit}`);
      expect(res.status, limit).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.message).toContain("limit");
    }
    const trialsToken = Buffer.from(
      JSON.stringify({ index_name: "apple", trial_id: "01M86X25S7WQKP3476ZCAWPVPF" }),
    ).toString("base64url");
    const badName = Buffer.from(JSON.stringify({ name: "Not A Name" })).toString("base64url");
    for (const token of ["garbage", trialsToken, badName, ""]) {
      const res = await api.get(`/vectors/indexes?next_token=${token}`);
      expect(res.status, token).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
      expect(res.body.error.message).toContain("next_token");
    }
  });
});
