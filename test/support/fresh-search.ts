import { expect } from "vitest";
import { GenerationBuilder, type GenerationBuilderDeps } from "../../src/app/generation-builder";
import { GraphMaintenance, type GraphMaintenanceDeps } from "../../src/app/graph-maintenance";
import type { Client } from "./http";
import type { TestStack } from "./stacks";
import { randomVectors, upsertAll } from "./vectors";

/** One search hit, as the API answers it. */
export type Hit = { id: string; distance: number; metadata: Record<string, unknown> | null };

/**
 * Helpers of the fresh-search tests over one local stack: searching, an index with an active
 * graph, and the catch-up task with parts of its builder replaced (fault injection).
 */
export function freshSearchHelpers(env: TestStack & { readonly api: Client }) {
  const api = env.api;

  async function search(index: string, vector: number[], k = 5) {
    const res = await api.post(`/vectors/indexes/${index}/search`, { vector, k });
    expect(res.status).toBe(200);
    return res.body as {
      mode: string;
      generation: number;
      pending_vectors: number;
      results: Hit[];
    };
  }

  /** An `l2` index of `count` random vectors with an active graph; catch-up off unless asked. */
  async function activeIndex(
    name: string,
    count: number,
    maintenance: Record<string, number> = {
      catch_up_fraction: 1,
      catch_up_max_pending: 1_000_000,
    },
  ) {
    const created = await api.put(`/vectors/indexes/${name}`, {
      dimension: 8,
      metric: "l2",
      maintenance,
    });
    expect(created.status).toBe(201);
    const rows = randomVectors(count, 8, count + name.length);
    await upsertAll(api, name, rows);
    const activated = await api.post(`/vectors/hnsw/activate/${name}`, {
      default_config: { m: 8, ef_construction: 40, ef_search: 40, seed: 1 },
    });
    expect(activated.status).toBe(200);
    return rows;
  }

  const builderDeps = () =>
    (env.services.builder as unknown as { deps: GenerationBuilderDeps }).deps;

  /** The catch-up task over a builder with `override`s (fault injection). */
  function maintenanceWith(override: Partial<GenerationBuilderDeps>): GraphMaintenance {
    const deps = (env.services.maintenance as unknown as { deps: GraphMaintenanceDeps }).deps;
    return new GraphMaintenance({
      ...deps,
      builder: new GenerationBuilder({ ...builderDeps(), ...override }),
    });
  }

  return {
    api,
    search,
    activeIndex,
    maintenanceWith,
    builderDeps,
    runner: () => env.services.runner,
    blobs: () => builderDeps().blobs,
  };
}
