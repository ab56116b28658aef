import { mnistAll } from "../bench/datasets";
import { request } from "../bench/mnist-stack";
import { startLocalStack } from "../src/local/local-stack";
import { Agent, request as httpRequest } from "node:http";

const stack = await startLocalStack();
const call = (m: string, p: string, b?: unknown) => request(`${stack.url}${p}`, m, b);
const { dimension, rows, data } = mnistAll();
await call("PUT", "/vectors/indexes/m", { dimension, metric: "l2" });
for (let i = 0; i < rows; i += 500) {
  const vectors = [];
  for (let r = i; r < Math.min(rows, i + 500); r++) vectors.push({ id: `d${r}`, values: Array.from(data.subarray(r * dimension, (r + 1) * dimension)) });
  await call("POST", "/vectors/indexes/m/vectors", { vectors });
}
await call("POST", "/vectors/hnsw/activate/m", { default_config: { m: 16, ef_construction: 100, ef_search: 30, seed: 1 } });
const agent = new Agent({ keepAlive: true, maxSockets: 16 });
const post = (path: string, body: unknown) => new Promise<any>((ok, fail) => {
  const payload = JSON.stringify(body);
  const req = httpRequest(`${stack.url}${path}`, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) } }, (res) => {
    const chunks: Buffer[] = []; res.on("data", (c) => chunks.push(c)); res.on("end", () => ok(JSON.parse(Buffer.concat(chunks).toString())));
  });
  req.on("error", fail); req.end(payload);
});
const q = (i: number) => Array.from(data.subarray((i % rows) * dimension, ((i % rows) + 1) * dimension));
const time = async (label: string, n: number, fn: (i: number) => Promise<unknown>) => {
  for (let i = 0; i < 50; i++) await fn(i);
  const ts: number[] = [];
  for (let i = 0; i < n; i++) { const t = performance.now(); await fn(i); ts.push(performance.now() - t); }
  ts.sort((a, b) => a - b);
  console.log(label, "p50", ts[Math.floor(n / 2)]?.toFixed(2));
};
const N = Number(process.env.N ?? 500);
const only = process.env.ONLY;
if (!only || only === "strong") await time("strong", N, (i) => post("/vectors/indexes/m/search", { vector: q(i), k: 10 }));
if (!only || only === "eventual") await time("eventual", N, (i) => post("/vectors/indexes/m/search", { vector: q(i), k: 10, consistency: "eventual" }));
await stack.stop();
process.exit(0);
