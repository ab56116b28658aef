import { z } from "zod";
import { SCHEDULE } from "../../infra/autotune-workflow";
import { MAX_GRID_ENTRIES } from "../domain/autotune";
import { AUTOGEN_DEFAULTS, MAX_HARNESS_K, MAX_HARNESS_QUERIES } from "../domain/harness";
import { hnswConfigSchema, seedSchema } from "../domain/hnsw-config";
import { INDEX_NAME_PATTERN } from "../domain/metric";
import { intInRange, numberInRange } from "../domain/ranges";
import { tuningFields } from "../domain/tuning";
import {
  finiteNumbers,
  indexNameSchema,
  nextTokenSchema,
  ulidSchema,
  vectorIdSchema,
} from "./schemas";

/** Request schemas of the tuning API (harnesses, trials, promotion, autotune and its policies). */

export const harnessNameSchema = z.string({ error: "is required" }).regex(INDEX_NAME_PATTERN, {
  error: (issue) =>
    `"${String(issue.input)}" is not a valid harness name; expected ${INDEX_NAME_PATTERN.source}`,
});

const harnessK = intInRange(1, MAX_HARNESS_K);

export const createEvalBody = z.strictObject({
  index_name: indexNameSchema,
  k: harnessK.default(AUTOGEN_DEFAULTS.k),
  queries: z
    .array(
      z.strictObject({
        id: vectorIdSchema.optional(),
        vector: finiteNumbers,
        /** Ground truth given: ids of the index, nearest first (at least k). */
        neighbors: z
          .array(vectorIdSchema, { error: "expected an array of vector ids" })
          .max(MAX_HARNESS_K, { error: `must hold at most ${MAX_HARNESS_K} ids` })
          .optional(),
      }),
      { error: "expected an array of queries" },
    )
    .min(1, { error: "must hold at least one query" })
    .max(MAX_HARNESS_QUERIES, {
      error: (issue) =>
        `holds ${(issue.input as unknown[]).length} queries; at most ${MAX_HARNESS_QUERIES}`,
    }),
});

export const autogenEvalBody = z.strictObject({
  index_name: indexNameSchema,
  count: intInRange(1, MAX_HARNESS_QUERIES).optional(),
  k: harnessK.optional(),
  seed: seedSchema.optional(),
});

export const trialBody = z.strictObject({
  index_name: indexNameSchema,
  harness: harnessNameSchema,
  config: hnswConfigSchema,
  note: z.string().max(1000, { error: "must be at most 1000 characters" }).optional(),
});

export const listTrialsQuery = z.object({
  limit: intInRange(1, 200, { fromQuery: true }).default(50),
  next_token: nextTokenSchema.optional(),
});

export const bestTrialQuery = z.object({
  min_recall: numberInRange(0, 1, { fromQuery: true }).default(0),
});

export const trialIdSchema = ulidSchema("a trial id");

export const promoteQuery = z.object({
  promoted_by: z
    .string()
    .min(1, { error: "must not be empty" })
    .max(256, { error: "must be at most 256 characters" })
    .optional(),
  note: z.string().max(1000, { error: "must be at most 1000 characters" }).optional(),
});

export const startAutotuneBody = z.strictObject({
  index_name: indexNameSchema,
  harness: harnessNameSchema,
  ...tuningFields,
  max_concurrency: intInRange(1, MAX_GRID_ENTRIES).optional(),
  wait_seconds: numberInRange(0, 25).default(0),
});

export const jobIdSchema = ulidSchema("a job id");

export const listAutotuneQuery = z.object({
  index_name: indexNameSchema,
  limit: intInRange(1, 100, { fromQuery: true }).default(20),
});

export const putPolicyBody = z.strictObject({
  harness: harnessNameSchema,
  ...tuningFields,
  every_minutes: z
    .int({ error: `expected an integer of at least ${SCHEDULE.everyMinutes}` })
    .min(SCHEDULE.everyMinutes, {
      error: `must be at least ${SCHEDULE.everyMinutes} (the schedule's period)`,
    })
    .optional(),
  min_new_vectors: z
    .int({ error: "expected an integer of at least 1" })
    .min(1, { error: "must be at least 1" })
    .optional(),
});
