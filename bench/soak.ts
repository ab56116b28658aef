import { seededRandom } from "../src/domain/seeded-random";
import { percentile } from "../src/domain/trial-metrics";
import { jsonClient } from "./json-client";

/** How a soak runs. */
export interface SoakOptions {
  readonly seconds: number;
  readonly writers: number;
  readonly searchers: number;
  /** Vectors in the index (with an active graph) before the load starts. */
  readonly initial: number;
  readonly dimension: number;
  /** Index name (created; it must not exist). */
  readonly index: string;
}

export const DEFAULT_SOAK: SoakOptions = {
  seconds: 60,
  writers: 20,
  searchers: 20,
  initial: 2000,
  dimension: 32,
  index: "soak",
};

/** What a soak saw and checked. */
export interface SoakReport {
  readonly seconds: number;
  readonly writes: number;
  readonly deletes: number;
  readonly searches: number;
  /** Answers by status class, every request of the run and of the checks. */
  readonly statuses: Record<string, number>;
  readonly search: { p50: number; p99: number };
  readonly write: { p50: number; p99: number };
  /** Active generations searches answered from (activations and catch-ups during the run). */
  readonly generations: number[];
  /** Live ids acknowledged, and the index's count at the end. */
  readonly expectedCount: number;
  readonly finalCount: number;
  /** Acknowledged live vectors not retrievable, or not found by exact search, at the end. */
  readonly missing: string[];
  /** Acknowledged deletions still visible at the end. */
  readonly resurrected: string[];
  /**
   * What listing every id (`GET …/vectors`, pages of 1,000) got wrong at the end: acknowledged
   * live ids not listed, ids listed twice, ids listed that are not live.
   */
  readonly listing: string[];
  /** The first few refused or failed requests, for the report. */
  readonly failures: string[];
}

type Row = { id: string; values: number[] };

/**
 * A bounded soak (issue #13): `writers` clients upsert batches of new vectors, replace and
 * delete some of their own, while `searchers` clients search; half-way an activation runs, and
 * catch-ups run on their own as pending vectors pass the threshold. Every write's outcome is
 * recorded only when acknowledged. At the end, after background tasks settle (`settle`), every
 * acknowledged live vector must be retrievable with its last values and found by exact search,
 * every acknowledged delete must be gone, and the count must equal the live ids acknowledged.
 */
export async function runSoak(
  baseUrl: string,
  settle: () => Promise<void>,
  options: Partial<SoakOptions> = {},
): Promise<SoakReport> {
  const o = { ...DEFAULT_SOAK, ...options };
  const http = jsonClient(baseUrl, o.writers + o.searchers + 4);
  const statuses: Record<string, number> = {};
  const failures: string[] = [];
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await http.call(method, path, body);
    const key = `${Math.floor(res.status / 100)}xx`;
    statuses[key] = (statuses[key] ?? 0) + 1;
    if (res.status >= 400 && failures.length < 10) {
      failures.push(`${method} ${path} -> ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    }
    return res;
  };
  const random = seededRandom(99);
  const vector = () => Array.from({ length: o.dimension }, () => Math.fround(random() * 2 - 1));
  const base = `/vectors/indexes/${o.index}`;

  // The index, with a graph.
  const created = await call("PUT", base, { dimension: o.dimension, metric: "l2" });
  if (created.status !== 201) throw new Error(`could not create ${o.index}: ${created.status}`);
  const live = new Map<string, number[]>();
  for (let i = 0; i < o.initial; i += 500) {
    const rows: Row[] = [];
    for (let j = i; j < Math.min(o.initial, i + 500); j++)
      rows.push({ id: `i${j}`, values: vector() });
    const res = await call("POST", `${base}/vectors`, { vectors: rows });
    if (res.status !== 200) throw new Error(`initial load: ${res.status}`);
    for (const r of rows) live.set(r.id, r.values);
  }
  await call("POST", `/vectors/hnsw/activate/${o.index}`, {});

  const deleted = new Set<string>();
  const writeMs: number[] = [];
  const searchMs: number[] = [];
  const generations = new Set<number>();
  let writes = 0;
  let deletes = 0;
  let searches = 0;
  const end = performance.now() + o.seconds * 1000;

  const writer = async (w: number) => {
    const rand = seededRandom(1000 + w);
    const mine: string[] = [];
    for (let n = 0; performance.now() < end; n++) {
      const rows: Row[] = Array.from({ length: 10 }, (_, i) => ({
        id: `w${w}-${n}-${i}`,
        values: vector(),
      }));
      // Now and then, new values for one of its own live vectors.
      const own = mine.length > 0 ? mine[Math.floor(rand() * mine.length)] : undefined;
      if (own && !deleted.has(own) && rand() < 0.3) rows.push({ id: own, values: vector() });
      const t0 = performance.now();
      const res = await call("POST", `${base}/vectors`, { vectors: rows });
      writeMs.push(performance.now() - t0);
      if (res.status === 200) {
        writes += rows.length;
        for (const r of rows) {
          live.set(r.id, r.values);
          if (!mine.includes(r.id)) mine.push(r.id);
        }
      }
      // Now and then, delete one of its own.
      if (mine.length > 20 && rand() < 0.2) {
        const victim = mine.splice(Math.floor(rand() * mine.length), 1)[0] as string;
        const del = await call("DELETE", `${base}/vectors/${encodeURIComponent(victim)}`);
        if (del.status === 204) {
          deletes++;
          live.delete(victim);
          deleted.add(victim);
        }
      }
    }
  };
  const searcher = async (s: number) => {
    while (performance.now() < end) {
      const t0 = performance.now();
      const res = await call("POST", `${base}/search`, {
        vector: vector(),
        k: 10,
        ...(s % 2 === 1 ? { consistency: "eventual" } : {}),
      });
      searchMs.push(performance.now() - t0);
      searches++;
      if (res.status === 200 && typeof res.body.generation === "number") {
        generations.add(res.body.generation);
      }
    }
  };
  const activation = (async () => {
    await new Promise((r) => setTimeout(r, (o.seconds * 1000) / 2));
    await call("POST", `/vectors/hnsw/activate/${o.index}`, {});
  })();
  await Promise.all([
    ...Array.from({ length: o.writers }, (_, w) => writer(w)),
    ...Array.from({ length: o.searchers }, (_, s) => searcher(s)),
    activation,
  ]);
  await settle();

  // The checks: every acknowledged live vector, by id and by exact search; every delete gone.
  const missing: string[] = [];
  const ids = [...live.keys()];
  await pool(ids, 16, async (id) => {
    const res = await call("GET", `${base}/vectors/${encodeURIComponent(id)}`);
    const want = live.get(id) as number[];
    if (res.status !== 200 || !sameFloats(res.body.values, want)) missing.push(id);
  });
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += 100) batches.push(ids.slice(i, i + 100));
  await pool(batches, 4, async (batch) => {
    const res = await call("POST", `${base}/search`, {
      queries: batch.map((id) => live.get(id)),
      k: 1,
      exact: true,
    });
    batch.forEach((id, i) => {
      const hit = res.body.results?.[i]?.[0];
      if (res.status !== 200 || hit?.id !== id || hit.distance !== 0) {
        if (!missing.includes(id)) missing.push(id);
      }
    });
  });
  const resurrected: string[] = [];
  await pool([...deleted], 16, async (id) => {
    // An expected 404: not counted with the run's answers.
    if ((await http.call("GET", `${base}/vectors/${encodeURIComponent(id)}`)).status !== 404) {
      resurrected.push(id);
    }
  });
  const listed: string[] = [];
  let token: string | undefined;
  do {
    const query = `limit=1000${token ? `&next_token=${encodeURIComponent(token)}` : ""}`;
    const page = await call("GET", `${base}/vectors?${query}`);
    listed.push(...((page.body?.ids as string[] | undefined) ?? []));
    token = page.body?.next_token;
  } while (token);
  const times = new Map<string, number>();
  for (const id of listed) times.set(id, (times.get(id) ?? 0) + 1);
  const listedOnce = new Set(listed);
  const twice = [...times].filter(([, n]) => n > 1).map(([id]) => id);
  const listing = [
    ...ids.filter((id) => !listedOnce.has(id)).map((id) => `not listed: ${id}`),
    ...twice.map((id) => `listed twice: ${id}`),
    ...listed.filter((id) => !live.has(id)).map((id) => `listed, not live: ${id}`),
  ];
  const finalCount = (await call("GET", base)).body.count as number;
  http.close();
  const summary = (xs: number[]) => {
    const sorted = Float64Array.from(xs).sort();
    return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
  };
  return {
    seconds: o.seconds,
    writes,
    deletes,
    searches,
    statuses,
    search: summary(searchMs),
    write: summary(writeMs),
    generations: [...generations].sort((a, b) => a - b),
    expectedCount: live.size,
    finalCount,
    missing,
    resurrected,
    listing,
    failures,
  };
}

/** One line per figure, for `npm run soak` and `npm run bench`. */
export function describeSoak(r: SoakReport, o: Partial<SoakOptions> = {}): string {
  const opts = { ...DEFAULT_SOAK, ...o };
  const fivexx = r.statuses["5xx"] ?? 0;
  return [
    `\nsoak: ${r.seconds} s, ${opts.writers} writers and ${opts.searchers} searchers on one index (${opts.dimension}-d, ${opts.initial.toLocaleString("en")} vectors to start, an activation half-way, catch-ups as writes flow)`,
    `  ${r.writes.toLocaleString("en")} vectors written, ${r.deletes.toLocaleString("en")} deleted, ${r.searches.toLocaleString("en")} searches; generations served: ${r.generations.join(", ")}`,
    `  answers: ${Object.entries(r.statuses)
      .map(([k, v]) => `${k} ${v.toLocaleString("en")}`)
      .join(", ")} -> 5xx: ${fivexx} (goal 0)`,
    `  search p50 ${r.search.p50.toFixed(1)} ms, p99 ${r.search.p99.toFixed(1)} ms; write p50 ${r.write.p50.toFixed(1)} ms, p99 ${r.write.p99.toFixed(1)} ms`,
    `  final count ${r.finalCount.toLocaleString("en")} = live ids acknowledged ${r.expectedCount.toLocaleString("en")}: ${r.finalCount === r.expectedCount}; acknowledged vectors missing: ${r.missing.length}; deletes undone: ${r.resurrected.length}; listing every id: ${r.listing.length} wrong`,
    ...r.failures.map((f) => `  refused or failed: ${f}`),
  ].join("\n");
}

function sameFloats(got: unknown, want: number[]): boolean {
  return (
    Array.isArray(got) &&
    got.length === want.length &&
    got.every((x, i) => Math.fround(x as number) === Math.fround(want[i] as number))
  );
}

async function pool<T>(items: T[], size: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await run(items[next++] as T);
    }),
  );
}
