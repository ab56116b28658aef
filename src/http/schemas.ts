import { z } from "zod";
import {
  INDEX_NAME_PATTERN,
  MAX_DIMENSION,
  MAX_ID_LENGTH,
  MAX_SEARCH_K,
  MAX_UPSERT_BATCH,
  METRICS,
} from "../domain/metric";

/** Request schemas of the HTTP API: the edge validates every request with these. */

export const indexNameSchema = z.string({ error: "is required" }).regex(INDEX_NAME_PATTERN, {
  error: (issue) =>
    `"${String(issue.input)}" is not a valid index name; expected ${INDEX_NAME_PATTERN.source}`,
});

export const vectorIdSchema = z
  .string({ error: "is required" })
  .min(1, { error: "must not be empty" })
  .max(MAX_ID_LENGTH, { error: `must be at most ${MAX_ID_LENGTH} characters` });

const finiteNumber = z.number({
  error: (issue) =>
    `got ${typeof issue.input === "string" ? JSON.stringify(issue.input) : String(issue.input)}, expected a finite number`,
});

export const putIndexBody = z.strictObject({
  dimension: z
    .int({ error: "expected an integer" })
    .min(1, { error: `must be between 1 and ${MAX_DIMENSION}` })
    .max(MAX_DIMENSION, { error: `must be between 1 and ${MAX_DIMENSION}` }),
  metric: z.enum(METRICS, { error: `expected one of ${METRICS.join(", ")}` }),
});

export const vectorInput = z.strictObject({
  id: vectorIdSchema,
  values: z.array(finiteNumber, { error: "expected an array of numbers" }),
  metadata: z.record(z.string(), z.unknown(), { error: "expected a JSON object" }).optional(),
});

export const upsertBody = z.strictObject({
  vectors: z
    .array(vectorInput, { error: "expected an array of vectors" })
    .min(1, { error: "must hold at least one vector" })
    .max(MAX_UPSERT_BATCH, {
      error: (issue) =>
        `holds ${(issue.input as unknown[]).length} vectors; at most ${MAX_UPSERT_BATCH} per request`,
    }),
});

export const searchBody = z.strictObject({
  vector: z.array(finiteNumber, { error: "expected an array of numbers" }),
  k: z
    .int({ error: "expected an integer" })
    .min(1, { error: `must be between 1 and ${MAX_SEARCH_K}` })
    .max(MAX_SEARCH_K, { error: `must be between 1 and ${MAX_SEARCH_K}` })
    .optional(),
});
