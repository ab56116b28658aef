import { fork } from "node:child_process";
import { mnistAll } from "../bench/datasets";
import { request } from "../bench/mnist-stack";
import { startLocalStack } from "../src/local/local-stack";

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
const bodies = Array.from({ length: 300 }, (_, i) => ({ vector: Array.from(data.subarray(i * dimension, (i + 1) * dimension)), k: 10, consistency: "eventual" }));
const result = await new Promise((ok) => {
  const child = fork(new URL("../bench/search-clients.mjs", import.meta.url), [], { execArgv: [], stdio: ["ignore", "inherit", "inherit", "ipc"] });
  child.once("message", (r) => { ok(r); child.disconnect(); });
  child.send({ url: `${stack.url}/vectors/indexes/m/search`, bodies, concurrency: 8, seconds: Number(process.env.SECONDS ?? 5) });
});
console.log("RESULT", JSON.stringify(result));
await stack.stop();
process.exit(0);
