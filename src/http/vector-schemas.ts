import { z } from "zod";
import { newIdProblem } from "../domain/ids";
import { metadataProblem } from "../domain/metadata";
import { MAX_UPSERT_BATCH } from "../domain/metric";
import { shown } from "../domain/ranges";
import { normBounds } from "../domain/vector-batch";
import { vectorIdSchema } from "./schemas";

// Request schemas of vectors: their values, metadata and ids, and the bodies that write and read
// them by id.

/**
 * An array of finite numbers, checked in one plain loop: upserts carry up to a million values
 * and a schema per element costs several times more. The issue names the first bad element.
 * `description` goes into the OpenAPI document (the schema is given there whole, as an array of
 * numbers, so a later `.meta` would not reach it).
 */
export function finiteNumbers(description: string) {
  return z
    .custom<number[]>(() => true)
    .meta({ override: { type: "array", items: { type: "number" }, description } })
    .superRefine((value: unknown, ctx) => {
      if (!Array.isArray(value)) {
        ctx.addIssue({ code: "custom", message: "expected an array of numbers" });
        return;
      }
      for (let i = 0; i < value.length; i++) {
        const x = value[i];
        if (typeof x !== "number" || !Number.isFinite(x)) {
          ctx.addIssue({
            code: "custom",
            path: [i],
            message: `got ${shown(x)}, expected a finite number`,
          });
          return;
        }
      }
    });
}

/** What a vector's values must be, beyond their count, in the OpenAPI document's words. */
export const VALUE_BOUNDS = `each within 32-bit floats; ${normBounds()}`;

/**
 * A vector's metadata: a JSON object, kept as parsed. Not a `z.record`, which builds a new
 * object and skips a `__proto__` key (it guards against prototype pollution; JSON.parse makes
 * that key an own property, harmless): the key would be dropped without a word.
 */
const metadataSchema = z
  .custom<Record<string, unknown>>(
    (v) => typeof v === "object" && v !== null && !Array.isArray(v),
    { error: "expected a JSON object" },
  )
  .meta({
    override: {
      type: "object",
      additionalProperties: {},
      description: "A JSON object stored with it, returned by searches and filterable",
    },
  })
  .superRefine((metadata, ctx) => {
    const problem = metadataProblem(metadata);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/**
 * One vector of an upsert: its id, its values (finite numbers) and, optionally, a JSON object of
 * metadata.
 */
export const vectorInput = z.strictObject({
  id: z
    .string()
    .superRefine((id, ctx) => {
      const problem = newIdProblem(id);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .meta({
      description:
        "The vector's id: a later write of the same id replaces it. 1..256 characters, no control characters, no unpaired surrogates, not . or ..",
    }),
  values: finiteNumbers(`Its values: as many as the index's dimension, ${VALUE_BOUNDS}`),
  metadata: metadataSchema.optional(),
});

/** A request's batch of `items`: 1 to `max` (default {@link MAX_UPSERT_BATCH}), errors naming them as `noun`. */
function batchOf<T extends z.ZodType>(items: T, noun: string, max = MAX_UPSERT_BATCH) {
  return z
    .array(items, { error: `expected an array of ${noun}` })
    .min(1, { error: `must hold at least one ${noun.replace(/s$/, "")}` })
    .max(max, {
      error: (issue) =>
        `holds ${(issue.input as unknown[]).length} ${noun}; at most ${max} per request`,
    });
}

/** The body of an upsert: 1..1,000 vectors. */
export const upsertBody = z.strictObject({
  vectors: batchOf(vectorInput, "vectors").meta({
    description: `1..${MAX_UPSERT_BATCH} vectors, written as one durable write`,
  }),
});

/** Refuses an id that appears twice in a request's list of ids. */
function distinctIds(ids: readonly string[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  ids.forEach((id, i) => {
    const first = seen.get(id);
    if (first !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: [i],
        message: `duplicate id "${id}" (also at ids[${first}]); each id may appear once per request`,
      });
    }
    seen.set(id, i);
  });
}

/** `POST …/vectors/delete`: 1..1,000 distinct ids. */
export const deleteVectorsBody = z.strictObject({
  ids: batchOf(vectorIdSchema, "ids")
    .superRefine(distinctIds)
    .meta({
      description: `1..${MAX_UPSERT_BATCH} distinct ids to delete; ids not live are left alone`,
    }),
});

/** Most ids of one `POST …/vectors/get`. */
export const MAX_GET_BATCH = 100;

/** `POST …/vectors/get`: 1..100 distinct ids. */
export const getVectorsBody = z.strictObject({
  ids: batchOf(vectorIdSchema, "ids", MAX_GET_BATCH)
    .superRefine(distinctIds)
    .meta({ description: `1..${MAX_GET_BATCH} distinct ids, answered in this order` }),
});
