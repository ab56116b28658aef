import { z } from "zod";
import { intInRange } from "./ranges";

/**
 * HNSW build and search parameters, and their bounds: the one place they are defined. Every
 * request that carries a config (trials, autotune grids, activation defaults) is checked here.
 */
export const HNSW_BOUNDS = {
  /** Candidate list size while inserting; larger builds a better graph, slower. */
  ef_construction: { min: 10, max: 400 },
  /** Candidate list size while searching; larger finds more true neighbors, slower. */
  ef_search: { min: 10, max: 200 },
  /** Links per node (level 0 keeps 2M); larger costs memory and build time. */
  m: { min: 4, max: 96 },
} as const;

/** Default `m` when a config omits it. */
export const DEFAULT_M = 16;
/** Default random seed of the graph's level assignment. */
export const DEFAULT_SEED = 42;

/** A complete HNSW config, as the API spells it. */
export interface HnswConfig {
  /** Candidate list size while inserting ({@link HNSW_BOUNDS}: 10..400). */
  readonly ef_construction: number;
  /** Candidate list size while searching (10..200). */
  readonly ef_search: number;
  /** Links per node, level 0 keeping 2m (4..96; default {@link DEFAULT_M}). */
  readonly m: number;
  /**
   * Seed of the level assignment (default {@link DEFAULT_SEED}): the same seed and data build the
   * same graph.
   */
  readonly seed: number;
}

/** The part of a config that determines the graph (everything but `ef_search`). */
export interface BuildParams {
  /** See {@link HnswConfig.ef_construction}. */
  readonly ef_construction: number;
  /** See {@link HnswConfig.m}. */
  readonly m: number;
  /** See {@link HnswConfig.seed}. */
  readonly seed: number;
}

/**
 * Bytes of a graph of `labels` labels in hnswlib's memory, estimated from its level 0 per label
 * (the vector, 2m links and their count, the label); upper levels add about 1/m of that.
 */
export function graphMemoryBytes(labels: number, dimension: number, m: number): number {
  return labels * (4 * dimension + 8 * m + 16);
}

/** What each HNSW parameter does, for the API's documentation. */
const PARAM_DESCRIPTIONS: Record<keyof typeof HNSW_BOUNDS, string> = {
  ef_construction: "Candidate list size while inserting: larger builds a better graph, slower",
  ef_search: "Candidate list size while searching: larger finds more true neighbors, slower",
  m: "Links per node (level 0 keeps 2m): larger costs memory and build time",
};

/** One HNSW parameter, within its bounds (described for the API's documentation). */
export function hnswParam(name: keyof typeof HNSW_BOUNDS) {
  const { min, max } = HNSW_BOUNDS[name];
  return intInRange(min, max).meta({ description: `${PARAM_DESCRIPTIONS[name]} (${min}..${max})` });
}

/** A random seed. */
export const seedSchema = intInRange(0, 2_147_483_647).meta({
  description: "Random seed: the same seed and data give the same result",
});

/** `ef_search` of a config given in a request (trials, grids, defaults): 10..200. */
export const efSearchSchema = hnswParam("ef_search");

/**
 * Largest ef_search served: the target_recall tuner measures up to this, activation serves what
 * it promotes, and a search may override ef_search up to it.
 */
export const MAX_SERVING_EF_SEARCH = 4096;

/** `ef_search` as a search may override it: 10..{@link MAX_SERVING_EF_SEARCH}. */
export const servingEfSearchSchema = intInRange(
  HNSW_BOUNDS.ef_search.min,
  MAX_SERVING_EF_SEARCH,
).meta({
  description: `Candidate list size while searching, for this request instead of the active config's (${HNSW_BOUNDS.ef_search.min}..${MAX_SERVING_EF_SEARCH})`,
});

/** A config as given in a request: `m` and `seed` default to 16 and 42. */
export const hnswConfigSchema = z.strictObject({
  ef_construction: hnswParam("ef_construction"),
  ef_search: efSearchSchema,
  m: hnswParam("m").default(DEFAULT_M),
  seed: seedSchema
    .meta({
      description:
        "Seed of the graph's level assignment: the same seed and data build the same graph",
    })
    .default(DEFAULT_SEED),
});
