import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { s3BytesWritten } from "../src/adapters/s3-blob-store";
import { createClients } from "../src/clients";
import { seededRandom } from "../src/domain/seeded-random";
import { percentile } from "../src/domain/trial-metrics";
import { localTasks } from "../src/local/local-tasks";
import type { BenchStack } from "./mnist-stack";

/**
 * Writes that scale (issue #10): `total` vectors of `dimension` written through the local API in
 * batches of 1,000, one writer. Reports write latency over the first and last 50 batches (goal:
 * last ÷ first ≤ 1.5), bytes written to S3 ÷ bytes of vector values ingested (write
 * amplification, compaction included), and the catalog item's size at the end.
 */
export async function benchWrites(env: BenchStack, total = 300_000, dimension = 100) {
  const name = "writes";
  await env.call("PUT", `/vectors/indexes/${name}`, { dimension, metric: "cosine" });
  const random = seededRandom(7);
  const batches = total / 1000;
  const latencies: number[] = [];
  const bytesBefore = s3BytesWritten();
  const started = performance.now();
  for (let b = 0; b < batches; b++) {
    const vectors = Array.from({ length: 1000 }, (_, i) => ({
      id: `w${b * 1000 + i}`,
      values: Array.from({ length: dimension }, () => random() * 2 - 1),
    }));
    const t0 = performance.now();
    await env.call("POST", `/vectors/indexes/${name}/vectors`, { vectors });
    latencies.push(performance.now() - t0);
  }
  const writeSeconds = (performance.now() - started) / 1000;
  await localTasks().drain();
  const written = s3BytesWritten() - bytesBefore;
  const ingested = total * dimension * 4;
  const summary = (xs: number[]) => {
    const sorted = Float64Array.from(xs).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  };
  const first = summary(latencies.slice(0, 50));
  const last = summary(latencies.slice(-50));
  const clients = createClients(env.services.settings);
  const item = await clients.dynamodb.send(
    new GetItemCommand({
      TableName: env.services.settings.tables.indexes,
      Key: { name: { S: name } },
    }),
  );
  const itemBytes = JSON.stringify(item.Item).length;
  const info = await env.call("GET", `/vectors/indexes/${name}`);
  const segments = (item.Item?.segments?.L ?? []).length;
  console.log(
    `\nwrites, ${total.toLocaleString("en")} × ${dimension}-d vectors in batches of 1,000 through the local API (one writer, ${writeSeconds.toFixed(0)} s)`,
  );
  console.log(
    `  first 50 batches: p50 ${first.p50.toFixed(0)} ms, p99 ${first.p99.toFixed(0)} ms; last 50: p50 ${last.p50.toFixed(0)} ms, p99 ${last.p99.toFixed(0)} ms`,
  );
  console.log(
    `  -> last ÷ first: p50 ${(last.p50 / first.p50).toFixed(2)}, p99 ${(last.p99 / first.p99).toFixed(2)} (goal ≤ 1.5)`,
  );
  console.log(
    `  bytes written to S3 ${(written / 1e6).toFixed(0)} MB ÷ vector values ingested ${(ingested / 1e6).toFixed(0)} MB = ${(written / ingested).toFixed(2)} (write amplification, compaction included)`,
  );
  console.log(
    `  catalog item at the end: ${(itemBytes / 1024).toFixed(1)} KB (${segments} segments; DynamoDB's limit is 400 KB); count ${info.count}`,
  );
  return { first, last, amplification: written / ingested, itemBytes };
}
