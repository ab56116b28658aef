import { z } from "zod";
import { hnswConfigSchema } from "../domain/hnsw-config";
import { idProblem } from "../domain/ids";
import { IMPORT_FORMATS } from "../domain/import-job";
import { maintenanceSchema } from "../domain/maintenance";
import { INDEX_NAME_PATTERN, MAX_DIMENSION, METRICS } from "../domain/metric";
import { intInRange, queryNumber } from "../domain/ranges";
import { MAX_RUN_WAIT_S } from "../domain/task-run";

/**
 * Request schemas of the HTTP API (indexes, names and ids, imports, activation, profiles; vectors'
 * values, metadata and batches are in ./vector-schemas.ts, searches' in ./search-schemas.ts, the
 * tuning API's in ./tuning-schemas.ts): the edge validates every request with these.
 */

/**
 * A name of the index-name pattern (an index's, a harness's, a profile's id): refused with a
 * message naming `what` it is not, described as `description`.
 */
export function nameSchema(what: string, description: string) {
  return z
    .string()
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
  .string()
  .superRefine((id, ctx) => {
    const problem = idProblem(id);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .meta({
    description: "A vector's id: 1..256 characters, no control characters, no unpaired surrogates",
  });

/**
 * The body of `PUT /vectors/indexes/{index}`: dimension, metric and, optionally, maintenance
 * settings.
 */
export const putIndexBody = z.strictObject({
  dimension: intInRange(1, MAX_DIMENSION).meta({
    description: `Values per vector (1..${MAX_DIMENSION}); fixed for the index's life`,
  }),
  metric: z
    .enum(METRICS)
    .meta({ description: "The distance searches rank by; fixed for the index's life" }),
  /** When the active graph catches up or is rebuilt; omitted fields keep their value. */
  maintenance: maintenanceSchema
    .meta({
      description:
        "When the active graph catches up or is rebuilt; omitted fields keep their value (an existing index's settings change with the same call)",
    })
    .optional(),
});

/** A ULID: trial, job and import ids. */
export const ulidSchema = (what: string) =>
  z
    .string()
    .regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, {
      error: (issue) => `"${String(issue.input)}" is not ${what} (a 26-character ULID)`,
    })
    .meta({ description: `${what[0]?.toUpperCase()}${what.slice(1)} (a 26-character ULID)` });

/** An import job's id in a path (a ULID). */
export const importIdSchema = ulidSchema("an import id");

const importFormat = z
  .enum(IMPORT_FORMATS)
  .meta({ description: "The file's format: NumPy .npy (float32 or float64), .fvecs or .bvecs" });

/** POST /vectors/uploads: where to upload a file for a bulk import. */
export const createUploadBody = z.strictObject({ format: importFormat });

/** POST /vectors/indexes/{index}/imports: import a file from the service's bucket. */
export const importBody = z.strictObject({
  source: z
    .string()
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
