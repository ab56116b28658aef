import { z } from "zod";
import { hnswConfigSchema } from "../domain/hnsw-config";
import { idProblem, newIdProblem } from "../domain/ids";
import { IMPORT_FORMATS } from "../domain/import-job";
import { maintenanceSchema } from "../domain/maintenance";
import { metadataProblem } from "../domain/metadata";
import { INDEX_NAME_PATTERN, MAX_DIMENSION, MAX_UPSERT_BATCH, METRICS } from "../domain/metric";
import { intInRange, queryNumber, shown } from "../domain/ranges";
import { MAX_RUN_WAIT_S } from "../domain/task-run";
import { normBounds } from "../domain/vector-batch";

/**
 * Request schemas of the HTTP API (indexes, vectors, imports, activation, profiles; searches'
 * are in ./search-schemas.ts, the tuning API's in ./tuning-schemas.ts): the edge validates every
 * request with these.
 */

/**
 * A name of the index-name pattern (an index's, a harness's, a profile's id): refused with a
 * message naming `what` it is not, described as `description`.
 */
export function nameSchema(what: string, description: string) {
  return z
    .string({ error: "is required" })
    .regex(INDEX_NAME_PATTERN, {
      error: (issue) =>
        `"${String(issue.input)}" is not a valid ${what}; expected ${INDEX_NAME_PATTERN.source}`,
    })
    .meta({ description });
}

/** An index's name. */
export const indexNameSchema = nameSchema(
  "index name",
  "An index's name: 1..63 of a-z, 0-9, _ and -, starting with a letter or digit",
);

/**
 * A vector id: 1..256 characters, no control characters, no unpaired surrogates (see `idProblem`).
 */
export const vectorIdSchema = z
  .string({ error: "is required" })
  .superRefine((id, ctx) => {
    const problem = idProblem(id);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({
    description: "A vector's id: 1..256 characters, no control characters, no unpaired surrogates",
  });

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
 * The body of `PUT /vectors/indexes/{index}`: dimension, metric and, optionally, maintenance
 * settings.
 */
export const putIndexBody = z.strictObject({
  dimension: intInRange(1, MAX_DIMENSION).meta({
    description: `Values per vector (1..${MAX_DIMENSION}); fixed for the index's life`,
  }),
  metric: z
    .enum(METRICS, { error: `expected one of ${METRICS.join(", ")}` })
    .meta({ description: "The distance searches rank by; fixed for the index's life" }),
  /** When the active graph catches up or is rebuilt; omitted fields keep their value. */
  maintenance: maintenanceSchema
    .meta({
      description:
        "When the active graph catches up or is rebuilt; omitted fields keep their value (an existing index's settings change with the same call)",
    })
    .optional(),
});

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
    .string({ error: "is required" })
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

/** A ULID: trial, job and import ids. */
export const ulidSchema = (what: string) =>
  z
    .string({ error: "is required" })
    .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, {
      error: (issue) => `"${String(issue.input)}" is not ${what} (a 26-character ULID)`,
    })
    .meta({ description: `${what[0]?.toUpperCase()}${what.slice(1)} (a 26-character ULID)` });

/** An import job's id in a path (a ULID). */
export const importIdSchema = ulidSchema("an import id");

const importFormat = z
  .enum(IMPORT_FORMATS, {
    error: (issue) => `got ${shown(issue.input)}, expected one of ${IMPORT_FORMATS.join(", ")}`,
  })
  .meta({ description: "The file's format: NumPy .npy (float32 or float64), .fvecs or .bvecs" });

/** POST /vectors/uploads: where to upload a file for a bulk import. */
export const createUploadBody = z.strictObject({ format: importFormat });

/** POST /vectors/indexes/{index}/imports: import a file from the service's bucket. */
export const importBody = z.strictObject({
  source: z
    .string({ error: "is required" })
    .regex(/^s3:\/\/[^/]+\/.+$/, { error: "expected s3://bucket/key" })
    .meta({ description: "s3://bucket/key of the file: the source POST /vectors/uploads named" }),
  format: importFormat,
  id_prefix: z
    .string()
    .max(200, { error: "must be at most 200 characters" })
    .refine((p) => p === "" || idProblem(p) === null, {
      error: "ids may not hold control characters or unpaired surrogates",
    })
    .meta({
      description:
        'Row r gets id <id_prefix><r> (default ""): importing the file again upserts the same ids',
    })
    .default(""),
});

/** The body of an activation: the config to serve when nothing is promoted (optional). */
export const activateBody = z.strictObject({
  default_config: hnswConfigSchema
    .meta({
      description:
        "The config to serve when nothing is promoted for the index (default: ef_construction 80, ef_search 30, m 16, seed 42)",
    })
    .optional(),
});

/**
 * How long a request that starts a task (an activation, a trial) waits for it, in seconds: 0 to
 * {@link MAX_RUN_WAIT_S}, default 20. One that has not ended by then is answered 202.
 */
export const waitQuery = z.object({
  wait_seconds: queryNumber(0, MAX_RUN_WAIT_S, "an integer", 20).meta({
    description: `How long to wait for the work, in seconds (0..${MAX_RUN_WAIT_S}, default 20); 202 when it has not ended by then (it continues)`,
  }),
});

/** A listing's `next_token` (opaque: the listing checks it is one it returned). */
export const nextTokenSchema = z
  .string()
  .min(1, { error: "expected the next_token a page returned" })
  .meta({ description: "Where to go on: the next_token the previous page returned" });

/** A page of a listing: 1..1000 items (default 100), and where it resumes. */
const pageQuery = z.object({
  limit: queryNumber(1, 1000, "an integer", 100).meta({
    description: "Items a page (1..1000, default 100)",
  }),
  next_token: nextTokenSchema.optional(),
});

/** `GET /vectors/indexes`: 1..1000 indexes a page (default 100). */
export const listIndexesQuery = pageQuery;

/** `GET /vectors/indexes/{index}/vectors`: 1..1000 ids a page (default 100). */
export const listVectorsQuery = pageQuery;

/** An activation's id in a path (a ULID). */
export const activationIdSchema = ulidSchema("an activation id");

/** A background run's id in a path (a ULID). */
export const runIdSchema = ulidSchema("a run id");

/** A search profile's id in a path: the same pattern as an index name. */
export const profileIdSchema = nameSchema(
  "profile id",
  "A profile's id: the same pattern as an index name",
);

/**
 * The body of `PUT /vectors/profiles/{id}`: the indexes a profile serves (1..100) and, optionally,
 * the config it activates them with.
 */
export const putProfileBody = z.strictObject({
  indexes: z
    .array(indexNameSchema, { error: "expected an array of index names" })
    .min(1, { error: "must name at least one index" })
    .max(100, { error: "must name at most 100 indexes" })
    .meta({
      description: "The indexes the profile serves (1..100); searching others through it is a 403",
    }),
  hnsw_config: hnswConfigSchema
    .meta({
      description: "The config its indexes are activated with when nothing is promoted for them",
    })
    .optional(),
});
