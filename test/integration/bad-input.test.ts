import { describe, expect, it } from "vitest";
import { localTasks } from "../../src/local/local-tasks";
import { storedKeys } from "../support/objects";
import { useLocalStack } from "../support/stacks";

const env = useLocalStack();
const api = env.api;

const objectKeys = (prefix: string) => storedKeys(env.stack.settings, prefix);

describe("bad input", () => {
  const cases: [string, unknown, RegExp][] = [
    [
      "wrong dimension",
      { vectors: [{ id: "a", values: [1, 2] }] },
      /vectors\[0\]\.values: got 2 values, expected 3/,
    ],
    [
      "a number too large for JSON (Infinity)",
      '{"vectors":[{"id":"a","values":[1,2,1e999]}]}',
      /vectors\[0\]\.values\[2\]: got Infinity, expected a finite number/,
    ],
    ["NaN", '{"vectors":[{"id":"a","values":[1,2,NaN]}]}', /not valid JSON/],
    [
      "a non-numeric value",
      { vectors: [{ id: "a", values: [1, "2", 3] }] },
      /vectors\[0\]\.values\[1\]: got "2", expected a finite number/,
    ],
    [
      "a value beyond Float32",
      { vectors: [{ id: "a", values: [1, 2, 1e300] }] },
      /does not fit in a 32-bit float/,
    ],
    [
      "a missing id",
      { vectors: [{ values: [1, 2, 3] }] },
      /vectors\[0\]\.id: is required: expected a string/,
    ],
    [
      "an id that is not a string",
      { vectors: [{ id: 5, values: [1, 2, 3] }] },
      /vectors\[0\]\.id: got 5, expected a string/,
    ],
    [
      "an empty id",
      { vectors: [{ id: "", values: [1, 2, 3] }] },
      /vectors\[0\]\.id: must not be empty/,
    ],
    [
      'the id "..", which a client would resolve to the index itself in a path',
      { vectors: [{ id: "..", values: [1, 2, 3] }] },
      /vectors\[0\]\.id: "\.\." cannot be addressed in a URL path/,
    ],
    [
      "an over-long id",
      { vectors: [{ id: "x".repeat(257), values: [1, 2, 3] }] },
      /at most 256 characters/,
    ],
    [
      "duplicate ids",
      {
        vectors: [
          { id: "a", values: [1, 2, 3] },
          { id: "a", values: [3, 2, 1] },
        ],
      },
      /vectors\[1\]\.id: duplicate id "a" \(also at vectors\[0\]\)/,
    ],
    ["an empty batch", { vectors: [] }, /vectors: must hold at least one vector/],
    [
      "over 1,000 vectors",
      { vectors: Array.from({ length: 1001 }, (_, i) => ({ id: `v${i}`, values: [1, 2, 3] })) },
      /holds 1001 vectors; at most 1000/,
    ],
    ["a body that is not JSON", "vectors=1", /not valid JSON/],
    ["no vectors field", {}, /vectors: expected an array of vectors/],
    [
      "vectors that are not an array",
      { vectors: { id: "a" } },
      /^vectors: got \{"id":"a"\}, expected an array of vectors$/,
    ],
    ["a body that is a JSON array", [1, 2], /^body: got \[1,2\], expected a JSON object$/],
    [
      "metadata that is not an object",
      { vectors: [{ id: "a", values: [1, 2, 3], metadata: [1] }] },
      /vectors\[0\]\.metadata: got \[1\], expected a JSON object/,
    ],
    [
      "metadata over 40 KiB as JSON",
      { vectors: [{ id: "a", values: [1, 2, 3], metadata: { text: "x".repeat(41_000) } }] },
      /vectors\[0\]\.metadata: is 41,011 bytes as JSON; at most 40,960/,
    ],
    [
      "metadata holding a number too large for JSON (Infinity), which would be stored as null",
      '{"vectors":[{"id":"a","values":[1,2,3],"metadata":{"tags":["x"],"score":-1e999}}]}',
      /vectors\[0\]\.metadata: holds -Infinity at key "score": expected finite numbers/,
    ],
    [
      "a norm whose distances would overflow 32-bit floats",
      { vectors: [{ id: "a", values: [3e38, 3e38, 0] }] },
      /vectors\[0\]\.values: its norm 4\.2e38 is too large: distances would overflow 32-bit floats; at most 9\.2e18/,
    ],
    [
      "an unknown field",
      { vectors: [{ id: "a", values: [1, 2, 3] }], extra: 1 },
      /^body: unknown field "extra"; expected vectors$/,
    ],
    [
      "an unknown field of a vector",
      { vectors: [{ id: "a", values: [1, 2, 3], vector: [1], meta: {} }] },
      /^vectors\[0\]: unknown fields "vector", "meta"; expected one of id, values, metadata$/,
    ],
  ];

  it.each(cases)("rejects %s with a 400 and writes nothing", async (_name, body, message) => {
    const name = "strict";
    await api.put(`/vectors/indexes/${name}`, { dimension: 3, metric: "l2" });
    await api.post(`/vectors/indexes/${name}/vectors`, {
      vectors: [{ id: "keep", values: [1, 1, 1] }],
    });
    await localTasks().drain(); // a compaction the writes started must not move keys meanwhile
    const before = (await api.get(`/vectors/indexes/${name}`)).body;
    const keysBefore = await objectKeys(`indexes/${name}/`);

    const res = await api.post(`/vectors/indexes/${name}/vectors`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toMatch(/^invalid_/);
    expect(res.body.error.message).toMatch(message);

    expect((await api.get(`/vectors/indexes/${name}`)).body).toEqual(before);
    expect(await objectKeys(`indexes/${name}/`)).toEqual(keysBefore);
    expect((await api.get(`/vectors/indexes/${name}/vectors/a`)).status).toBe(404);
  });

  it("rejects a zero vector under cosine, and a bad search", async () => {
    await api.put("/vectors/indexes/cos", { dimension: 2, metric: "cosine" });
    const zero = await api.post("/vectors/indexes/cos/vectors", {
      vectors: [{ id: "z", values: [0, 0] }],
    });
    expect(zero.status).toBe(400);
    expect(zero.body.error.message).toMatch(/zero vector/);
    // Normalizing so short a vector in 32-bit floats underflows: its distances would be wrong.
    const tiny = await api.post("/vectors/indexes/cos/vectors", {
      vectors: [{ id: "t", values: [1e-45, 0] }],
    });
    expect(tiny.status).toBe(400);
    expect(tiny.body.error.message).toMatch(
      /vectors\[0\]\.values: its norm 1\.4e-45 is too small to normalize in 32-bit floats under the cosine metric; at least 1\.0e-15/,
    );
    const tinyQuery = await api.post("/vectors/indexes/cos/search", { vector: [1e-20, 0] });
    expect(tinyQuery.status).toBe(400);
    expect(tinyQuery.body.error.message).toMatch(/^vector: its norm 1\.0e-20 is too small/);
    const k = await api.post("/vectors/indexes/cos/search", { vector: [1, 0], k: 1001 });
    expect(k.status).toBe(400);
    expect(k.body.error.message).toMatch(/k: got 1001, expected an integer from 1 to 1000/);
    const dim = await api.post("/vectors/indexes/cos/search", { vector: [1, 0, 0] });
    expect(dim.status).toBe(400);
    expect(dim.body.error.message).toMatch(/vector: got 3 values, expected 2/);
  });

  it("quotes a bad query-string number as given", async () => {
    for (const [q, given] of [
      ["limit=abc", '"abc"'],
      ["limit=", '""'],
      ["limit=5&limit=6", '"5,6"'],
    ]) {
      const res = await api.get(`/vectors/indexes?${q}`);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(
        `query.limit: got ${given}, expected an integer from 1 to 1000`,
      );
    }
  });

  it("answers unknown routes and methods in the error shape", async () => {
    const route = await api.get("/vectors/nowhere");
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe("route_not_found");
    const method = await api.post("/vectors/indexes");
    expect(method.status).toBe(405);
  });
});
