import { describe, expect, it } from "vitest";
import { MAX_PAYLOAD_BYTES } from "../../src/http/api-handler";
import { useLocalStack } from "../support/stacks";

// What a function may return is bounded (Lambda: 6 MiB), so what it stores per vector is too;
// the local stack answers as a deployed one does.

const env = useLocalStack();
const api = env.api;

describe("response limits", () => {
  it("answers a search over what a function may return with a 400 naming the size, not a bare 502", async () => {
    await api.put("/vectors/indexes/big-answers", { dimension: 2, metric: "l2" });
    // 1,000 vectors with 200-character ids: 100 queries of k=1000 answer 100,000 such hits.
    const vectors = Array.from({ length: 1000 }, (_, i) => ({
      id: `${"n".repeat(196)}${String(i).padStart(4, "0")}`,
      values: [i, i % 7],
    }));
    expect((await api.post("/vectors/indexes/big-answers/vectors", { vectors })).status).toBe(200);
    const queries = Array.from({ length: 100 }, (_, i) => [i, 1]);
    const tooBig = await api.post("/vectors/indexes/big-answers/search", { queries, k: 1000 });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.code).toBe("response_too_large");
    expect(tooBig.body.error.message).toContain(
      `over the ${MAX_PAYLOAD_BYTES.toLocaleString("en")}`,
    );
    expect(tooBig.body.error.message).toContain("a smaller k or fewer queries");
    // Less is answered, and the service keeps serving.
    const fits = await api.post("/vectors/indexes/big-answers/search", { queries, k: 100 });
    expect(fits.status).toBe(200);
    expect(fits.body.results).toHaveLength(100);
    expect(fits.body.results[0]).toHaveLength(100);
  });

  it("refuses a request whose Lambda event would be over 6 MiB, as API Gateway does, writing nothing", async () => {
    await api.put("/vectors/indexes/big-asks", { dimension: 768, metric: "l2" });
    const batch = (n: number) => ({
      vectors: Array.from({ length: n }, (_, i) => ({
        id: `v${i}`,
        values: Array.from({ length: 768 }, (_, j) => ((i * 768 + j) % 9973) / 1024),
      })),
    });
    // 1,000 × 768-d as JSON (about 9 MB): under API Gateway's 10 MB, over Lambda's 6 MiB.
    expect(JSON.stringify(batch(1000)).length).toBeGreaterThan(MAX_PAYLOAD_BYTES);
    expect(JSON.stringify(batch(1000)).length).toBeLessThan(10 * 1024 * 1024);
    const tooLong = await api.post("/vectors/indexes/big-asks/vectors", batch(1000));
    expect(tooLong.status).toBe(413);
    expect(tooLong.body.error.code).toBe("payload_too_large");
    expect(tooLong.body.error.message).toContain("send fewer vectors per request");
    expect((await api.get("/vectors/indexes/big-asks")).body.count).toBe(0);
    expect((await api.post("/vectors/indexes/big-asks/vectors", batch(500))).status).toBe(200);
  });

  it("stores and returns metadata up to 40 KiB", async () => {
    await api.put("/vectors/indexes/big-meta", { dimension: 2, metric: "l2" });
    // 40,960 bytes as JSON: {"text":"…"} is 11 bytes around the text.
    const metadata = { text: "y".repeat(40_960 - 11) };
    const put = await api.post("/vectors/indexes/big-meta/vectors", {
      vectors: [{ id: "m", values: [1, 2], metadata }],
    });
    expect(put.status).toBe(200);
    expect((await api.get("/vectors/indexes/big-meta/vectors/m")).body.metadata).toEqual(metadata);
  });
});
