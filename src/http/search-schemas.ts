import { z } from "zod";
import { CONSISTENCY_LEVELS } from "../app/index-states";
import { MAX_BATCH_QUERIES } from "../app/search-service";
import { parseFilter } from "../domain/filter";
import { servingEfSearchSchema } from "../domain/hnsw-config";
import { DEFAULT_SEARCH_K, MAX_SEARCH_K } from "../domain/metric";
import { intInRange } from "../domain/ranges";
import { indexNameSchema } from "./schemas";
import { finiteNumbers, VALUE_BOUNDS } from "./vector-schemas";

// Request schemas of searches: an index's (`searchBody`) and a profile's (`profileSearchBody`).

/** A metadata filter (see `src/domain/filter.ts`); a problem names its path into the filter. */
const filterSchema = z
  .unknown()
  .transform((value, ctx) => {
    const parsed = parseFilter(value);
    if ("problem" in parsed) {
      ctx.issues.push({
        code: "custom",
        message: parsed.problem.message,
        path: [...parsed.problem.path],
        input: value,
      });
      return z.NEVER;
    }
    return parsed.filter;
  })
  .meta({
    override: {
      type: "object",
      description:
        'Pinecone-style metadata filter: {"key": value}, $eq $ne $in $nin $gt $gte $lt $lte, $and $or',
      example: { genre: { $in: ["drama", "comedy"] }, year: { $gte: 2000 } },
    },
  });

const searchFields = {
  /** One query... */
  vector: finiteNumbers(
    `One query of the index's dimension (or give queries), ${VALUE_BOUNDS}`,
  ).optional(),
  /** ...or a batch of them, answered with one result list each. */
  queries: z
    .array(finiteNumbers(`A query of the index's dimension, ${VALUE_BOUNDS}`), {
      error: "expected an array of vectors",
    })
    .min(1, { error: "must hold at least one query" })
    .max(MAX_BATCH_QUERIES, {
      error: (issue) =>
        `holds ${(issue.input as unknown[]).length} queries; at most ${MAX_BATCH_QUERIES}`,
    })
    .meta({
      description: `A batch of 1..${MAX_BATCH_QUERIES} queries (or give vector), answered with one result list each`,
    })
    .optional(),
  k: intInRange(1, MAX_SEARCH_K)
    .meta({ description: `Neighbors per query (1..${MAX_SEARCH_K}, default ${DEFAULT_SEARCH_K})` })
    .optional(),
  /** Overrides the active graph's ef_search for this request (up to the served maximum). */
  ef_search: servingEfSearchSchema.optional(),
  /** Exact search even when a graph is active. */
  exact: z
    .boolean({ error: "expected true or false" })
    .meta({ description: "Scan exactly even when a graph is active (default false)" })
    .optional(),
  filter: filterSchema.optional(),
  consistency: z
    .enum(CONSISTENCY_LEVELS)
    .meta({
      description:
        "strong (default): reflects every write that returned before the search began; eventual: faster, and may lag writes by up to the service's eventual window (default 1 s)",
    })
    .optional(),
};

/** Exactly one of `vector` and `queries`; a batch's vectors all of one length. */
function oneQueryForm(
  body: { vector?: number[] | undefined; queries?: number[][] | undefined },
  ctx: z.RefinementCtx,
) {
  if ((body.vector === undefined) === (body.queries === undefined)) {
    ctx.addIssue({
      code: "custom",
      path: body.vector === undefined ? ["vector"] : ["queries"],
      message: "give either vector (one query) or queries (a batch), not both and not neither",
    });
    return;
  }
  const first = body.queries?.[0]?.length;
  body.queries?.forEach((q, i) => {
    if (q.length !== first) {
      ctx.addIssue({
        code: "custom",
        path: ["queries", i],
        message: `got ${q.length} values, but queries[0] has ${first}: every query has the index's dimension`,
      });
    }
  });
}

/** The body of a search: one query (`vector`) or a batch (`queries`), with its options. */
export const searchBody = z.strictObject(searchFields).superRefine(oneQueryForm);

/** The body of a profile's search: the index to search, and a search's fields. */
export const profileSearchBody = z
  .strictObject({
    index_name: indexNameSchema.meta({ description: "The index to search: one of the profile's" }),
    ...searchFields,
  })
  .superRefine(oneQueryForm);
