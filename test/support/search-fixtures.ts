import { expect } from "vitest";
import type { Client } from "./http";
import { randomVectors, upsertAll } from "./vectors";

export type Hit = { id: string; distance: number; metadata: Record<string, unknown> | null };
export type Row = { id: string; values: number[]; metadata?: Record<string, unknown> };

/** The colors `rowsWithMetadata` gives its rows, in turn. */
export const COLORS = ["red", "green", "blue"];

/** Rows with metadata of every kind a filter meets: strings, numbers, arrays, none. */
export function rowsWithMetadata(count: number, seed: number, prefix = "v"): Row[] {
  return randomVectors(count, 6, seed, prefix).map((row, i) => ({
    ...row,
    ...(i % 10 === 9
      ? {}
      : {
          metadata: {
            color: COLORS[i % 3],
            size: (i * 7) % 100,
            tags: i % 2 === 0 ? ["even", `t${i % 5}`] : [`t${i % 5}`],
            ...(i % 4 === 0 ? { flag: true } : {}),
          },
        }),
  }));
}

/** Helpers of the search tests over one local stack's API. */
export function searchFixtures(api: Client) {
  /** A 6-d `l2` index of `rows`, with an active graph if `activate`; catch-up off. */
  async function indexOf(name: string, rows: Row[], activate: boolean) {
    // Pending vectors stay pending: these tests search the graph and the tail together.
    const created = await api.put(`/vectors/indexes/${name}`, {
      dimension: 6,
      metric: "l2",
      maintenance: { catch_up_fraction: 1 },
    });
    expect(created.status).toBe(201);
    await upsertAll(api, name, rows);
    if (activate) {
      const res = await api.post(`/vectors/hnsw/activate/${name}`, {
        default_config: { m: 8, ef_construction: 60, ef_search: 40, seed: 3 },
      });
      expect(res.status).toBe(200);
    }
  }

  /** A search that must answer 200; its body. */
  const search = async (index: string, body: Record<string, unknown>) => {
    const res = await api.post(`/vectors/indexes/${index}/search`, body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  return { indexOf, search };
}
