import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { mnistAll } from "../bench/datasets";
import { request } from "../bench/mnist-stack";
import { startLocalStack } from "../src/local/local-stack";
import { createClients } from "../src/wiring";

const stack = await startLocalStack();
const call = (m: string, p: string, b?: unknown) => request(`${stack.url}${p}`, m, b);
const { dimension, rows, data } = mnistAll();
await call("PUT", "/vectors/indexes/m", { dimension, metric: "l2" });
for (let i = 0; i < rows; i += 500) {
  const vectors = [];
  for (let r = i; r < Math.min(rows, i + 500); r++)
    vectors.push({
      id: `d${r}`,
      values: Array.from(data.subarray(r * dimension, (r + 1) * dimension)),
    });
  await call("POST", "/vectors/indexes/m/vectors", { vectors });
}
await call("POST", "/vectors/hnsw/activate/m", {
  default_config: { m: 16, ef_construction: 100, ef_search: 30, seed: 1 },
});
const q = (i: number) => Array.from(data.subarray(i * dimension, (i + 1) * dimension));
const time = async (label: string, n: number, fn: (i: number) => Promise<unknown>) => {
  for (let i = 0; i < 20; i++) await fn(i);
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  console.log(label, "p50", ts[Math.floor(n / 2)]?.toFixed(2));
};
const { services } = await import("../src/services");
const clients = createClients(services.settings);
const N = Number(process.env.N ?? 200);
if (!process.env.ONLY)
  await time("ddb get", 200, () =>
    clients.doc.send(
      new GetCommand({
        TableName: services.settings.tables.indexes,
        Key: { name: "m" },
        ConsistentRead: true,
      }),
    ),
  );
if (!process.env.ONLY)
  await time("ddb get proj", 200, () =>
    clients.doc.send(
      new GetCommand({
        TableName: services.settings.tables.indexes,
        Key: { name: "m" },
        ConsistentRead: true,
        ProjectionExpression: "data_version",
      }),
    ),
  );
if (!process.env.ONLY)
  await time("service search", 200, (i) => services.search.search("m", { vector: q(i), k: 10 }));
await time("api search", N, (i) =>
  call("POST", "/vectors/indexes/m/search", { vector: q(i), k: 10 }),
);
if (!process.env.ONLY)
  await time("api nope", 200, () => call("GET", "/nope").catch(() => undefined));
if (!process.env.ONLY) await time("api get index", 200, () => call("GET", "/vectors/indexes/m"));
await stack.stop();
process.exit(0);
