import type { HnswConfig } from "../src/domain/hnsw-config";
import { seededRandom } from "../src/domain/seeded-random";
import { percentile } from "../src/domain/trial-metrics";
import { localTasks } from "../src/local/local-tasks";
import type { BenchStack } from "./mnist-stack";

/**
 * Search p50 through the local API: two indexes with the same 10,000 digits and the same active
 * graph, one with 1,000 more vectors pending. The same queries go to both, alternating which
 * goes first, so the VM's drift falls on both alike. Both graphs are built with `config`; the
 * searches ask for the `K` nearest.
 */
export async function benchPendingSearch(
  env: BenchStack,
  dimension: number,
  all: Float32Array,
  config: HnswConfig,
  K: number,
) {
  const names = { none: "pending-none", some: "pending-some" } as const;
  const total = all.length / dimension;
  for (const name of Object.values(names)) {
    await env.call("PUT", `/vectors/indexes/${name}`, {
      dimension,
      metric: "l2",
      maintenance: { catch_up_fraction: 1, catch_up_max_pending: 1_000_000 },
    });
    for (let i = 0; i < total; i += 500) {
      const vectors = [];
      for (let r = i; r < Math.min(total, i + 500); r++) {
        vectors.push({
          id: `p${r}`,
          values: Array.from(all.subarray(r * dimension, (r + 1) * dimension)),
        });
      }
      await env.call("POST", `/vectors/indexes/${name}/vectors`, { vectors });
    }
    await env.call("POST", `/vectors/hnsw/activate/${name}`, { default_config: config });
  }
  const random = seededRandom(5);
  const query = () => {
    const r = Math.floor(random() * total);
    return Array.from(
      all.subarray(r * dimension, (r + 1) * dimension),
      (x) => x + (random() - 0.5) * 0.05,
    );
  };
  // 1,000 new vectors (digits with a little noise), not folded into the graph.
  const fresh = Array.from({ length: 1000 }, (_, i) => ({ id: `new${i}`, values: query() }));
  // 250 a request: noisy values print long, and a request's event stays under Lambda's 6 MiB.
  for (let i = 0; i < fresh.length; i += 250) {
    await env.call("POST", `/vectors/indexes/${names.some}/vectors`, {
      vectors: fresh.slice(i, i + 250),
    });
  }
  // Background compactions the writes started finish first: this measures searches alone.
  await localTasks().drain();
  const latencies = { none: [] as number[], some: [] as number[] };
  const pending = { none: -1, some: -1 };
  const ask = async (way: keyof typeof names, vector: number[], record: boolean) => {
    const t0 = performance.now();
    const res = await env.call("POST", `/vectors/indexes/${names[way]}/search`, { vector, k: K });
    if (record) latencies[way].push(performance.now() - t0);
    pending[way] = res.pending_vectors;
  };
  for (let i = 0; i < 20 + 300; i++) {
    const vector = query();
    const order = i % 2 === 0 ? (["none", "some"] as const) : (["some", "none"] as const);
    for (const way of order) await ask(way, vector, i >= 20);
  }
  for (const name of Object.values(names)) await env.call("DELETE", `/vectors/indexes/${name}`);
  const stats = (xs: number[]) => {
    const sorted = Float64Array.from(xs).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  };
  const none = stats(latencies.none);
  const some = stats(latencies.some);
  console.log(
    `\nsearch through the local API, ${total.toLocaleString("en")} MNIST digits, k=${K}, the same 300 queries to each, alternating`,
  );
  console.log(
    `  ${pending.none} pending: p50 ${none.p50.toFixed(2)} ms, p99 ${none.p99.toFixed(2)} ms; ${pending.some.toLocaleString("en")} pending: p50 ${some.p50.toFixed(2)} ms, p99 ${some.p99.toFixed(2)} ms`,
  );
  console.log(`  -> p50 with 1,000 pending ÷ none: ${(some.p50 / none.p50).toFixed(2)} (goal ≤ 2)`);
}
