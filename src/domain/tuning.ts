import { z } from "zod";
import { DEFAULT_MIN_RECALL, type GridEntry, gridSchema, minRecallSchema } from "./autotune";
import { ValidationError } from "./errors";
import { HNSW_BOUNDS, hnswParam, MAX_SERVING_EF_SEARCH } from "./hnsw-config";
import { intInRange } from "./ranges";

/**
 * How an autotune chooses: `max_recall` (the seed's rule over a grid: max recall, then min p50,
 * gated by `min_recall`) or `target_recall` (the lowest-latency config whose recall reaches
 * `min_recall`, found by the tuner in a search space within a build budget).
 */
export const STRATEGIES = ["max_recall", "target_recall"] as const;
/** An autotune strategy (one of {@link STRATEGIES}). */
export type Strategy = (typeof STRATEGIES)[number];

/** Where `target_recall` searches. */
export interface SearchSpace {
  /** Values of m to consider. */
  readonly m: readonly number[];
  /** Range of ef_construction to consider. */
  readonly ef_construction: { readonly min: number; readonly max: number };
  /** Largest ef_search measured. */
  readonly max_ef_search: number;
}

/** The default search space: m 8, 16, 32; ef_construction 40 to 400; ef_search up to 1,024. */
export const DEFAULT_SPACE: SearchSpace = {
  m: [8, 16, 32],
  ef_construction: { min: 40, max: 400 },
  max_ef_search: 1024,
};

/** Graph builds per `target_recall` job: default and bounds. */
export const MAX_BUILDS = { default: 6, min: 1, max: 20 } as const;

/** A search space as a request gives it: each part optional, within the bounds. */
export const spaceSchema = z.strictObject({
  m: z
    .array(hnswParam("m"), { error: "expected an array of integers" })
    .meta({
      description: `Values of m to try, 1..8 of them (default ${DEFAULT_SPACE.m.join(", ")})`,
    })
    .min(1, { error: "must hold at least one value" })
    .max(8, { error: "must hold at most 8 values" })
    .refine((ms) => new Set(ms).size === ms.length, { error: "must not repeat a value" })
    .optional(),
  ef_construction: z
    .strictObject({
      min: hnswParam("ef_construction").meta({ description: "Smallest ef_construction to try" }),
      max: hnswParam("ef_construction").meta({ description: "Largest ef_construction to try" }),
    })
    .meta({
      description: `Range of ef_construction to try (default ${DEFAULT_SPACE.ef_construction.min}..${DEFAULT_SPACE.ef_construction.max})`,
    })
    .refine((r) => r.min <= r.max, {
      error: (issue) => {
        const r = issue.input as { min: number; max: number };
        return `min ${r.min} is above max ${r.max}`;
      },
    })
    .optional(),
  max_ef_search: intInRange(HNSW_BOUNDS.ef_search.min, MAX_SERVING_EF_SEARCH)
    .meta({
      description: `Largest ef_search measured (${HNSW_BOUNDS.ef_search.min}..${MAX_SERVING_EF_SEARCH}, default ${DEFAULT_SPACE.max_ef_search})`,
    })
    .optional(),
});

/** The tuning part of an autotune request or policy, as the edge parsed it. */
export interface TuningRequest {
  /** `max_recall` (default) or `target_recall`. */
  readonly strategy?: Strategy | undefined;
  /** The recall gate or target (default {@link DEFAULT_MIN_RECALL}). */
  readonly min_recall?: number | undefined;
  /** `max_recall` only: the grid (default {@link DEFAULT_GRID}). */
  readonly grid?: readonly GridEntry[] | undefined;
  /** `target_recall` only: where to search (each part defaults to {@link DEFAULT_SPACE}'s). */
  readonly space?:
    | {
        readonly m?: readonly number[] | undefined;
        readonly ef_construction?: { readonly min: number; readonly max: number } | undefined;
        readonly max_ef_search?: number | undefined;
      }
    | undefined;
  /** `target_recall` only: the most graphs a job builds ({@link MAX_BUILDS}: 1..20, default 6). */
  readonly max_builds?: number | undefined;
}

/** What an autotune is told to do, with every default resolved. */
export type Tuning =
  | {
      readonly strategy: "max_recall";
      readonly min_recall: number;
      /** `null`: the default grid. */
      readonly grid: readonly GridEntry[] | null;
    }
  | {
      readonly strategy: "target_recall";
      readonly min_recall: number;
      readonly space: SearchSpace;
      readonly max_builds: number;
    };

/** Zod fields shared by the autotune request and the policy body. */
export const tuningFields = {
  strategy: z
    .enum(STRATEGIES)
    .meta({
      description:
        "max_recall (default): measure a grid, promote the highest recall (then the lowest p50); target_recall: promote the config that reaches min_recall fastest",
    })
    .optional(),
  min_recall: minRecallSchema
    .meta({
      description: `max_recall: the recall@k a winner must clear; target_recall: the recall@k to reach (0..1, default ${DEFAULT_MIN_RECALL})`,
    })
    .optional(),
  grid: gridSchema
    .meta({ description: "max_recall only: the configs to measure (default: 5 entries at m=16)" })
    .optional(),
  space: spaceSchema
    .meta({ description: "target_recall only: where to search for the config" })
    .optional(),
  max_builds: intInRange(MAX_BUILDS.min, MAX_BUILDS.max)
    .meta({
      description: `target_recall only: the most graphs a job builds (${MAX_BUILDS.min}..${MAX_BUILDS.max}, default ${MAX_BUILDS.default})`,
    })
    .optional(),
};

/**
 * Resolves a request's tuning, refusing fields of the other strategy by name (a grid means
 * nothing to `target_recall`; a space or budget nothing to `max_recall`).
 */
export function resolveTuning(request: TuningRequest): Tuning {
  const strategy = request.strategy ?? "max_recall";
  const min_recall = request.min_recall ?? DEFAULT_MIN_RECALL;
  if (strategy === "max_recall") {
    for (const field of ["space", "max_builds"] as const) {
      if (request[field] !== undefined) {
        throw new ValidationError(
          `${field}: applies to strategy target_recall only; max_recall measures a grid`,
        );
      }
    }
    return { strategy, min_recall, grid: request.grid ?? null };
  }
  if (request.grid !== undefined) {
    throw new ValidationError(
      "grid: applies to strategy max_recall only; target_recall searches `space`",
    );
  }
  return {
    strategy,
    min_recall,
    space: {
      m: request.space?.m ?? DEFAULT_SPACE.m,
      ef_construction: request.space?.ef_construction ?? DEFAULT_SPACE.ef_construction,
      max_ef_search: request.space?.max_ef_search ?? DEFAULT_SPACE.max_ef_search,
    },
    max_builds: request.max_builds ?? MAX_BUILDS.default,
  };
}
