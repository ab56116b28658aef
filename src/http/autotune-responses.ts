import { z } from "zod";
import { STRATEGIES } from "../domain/tuning";
import { hnswConfigOut } from "./data-responses";
import { count, status, timestamp } from "./response-fields";
import { trial } from "./tuning-responses";

/**
 * What the autotune routes answer (jobs and policies): the OpenAPI document's response schemas,
 * strict, as the other routes' (./data-responses.ts, ./tuning-responses.ts).
 */

const gridEntry = z.strictObject({
  ef_construction: z.int(),
  ef_search: z.int(),
  m: z.int(),
});
const space = z.strictObject({
  m: z.array(z.int()).meta({ description: "Values of m tried" }),
  ef_construction: z.strictObject({ min: z.int(), max: z.int() }),
  max_ef_search: z.int().meta({ description: "Largest ef_search measured" }),
});
const buildGroup = z.strictObject({
  m: z.int(),
  ef_construction: z.int(),
  seed: z.int(),
  ef_searches: z.array(z.int()).optional(),
  target: z.strictObject({ recall: z.number(), max_ef_search: z.int() }).optional(),
});

/** An autotune job. */
export const job = z
  .strictObject({
    job_id: z.string().meta({ description: "The job's id (a ULID)" }),
    index_name: z.string().meta({ description: "The index tuned" }),
    index_uid: z.string().meta({ description: "The index incarnation tuned" }),
    harness: z.string().meta({ description: "The harness measured against" }),
    status: status.meta({ description: "Where the job is" }),
    trigger: z.enum(["api", "schedule", "append"]).meta({ description: "What started it" }),
    started_by: z.string().meta({ description: "Who started it" }),
    strategy: z.enum(STRATEGIES).meta({ description: "How it picks" }),
    grid: z.array(gridEntry).nullable().meta({ description: "max_recall: the grid measured" }),
    space: space.nullable().meta({ description: "target_recall: where it searched" }),
    max_builds: z.int().nullable().meta({ description: "target_recall: its build budget" }),
    min_recall: z.number().meta({ description: "The recall gate or target" }),
    trials: z.array(trial).meta({ description: "Every trial it journaled" }),
    winner: trial.nullable().meta({ description: "The trial it picked, if any" }),
    promoted: z.boolean().meta({ description: "Whether it promoted the winner" }),
    reason: z.string().nullable().meta({ description: "Why nothing was promoted, or failures" }),
    failed_groups: z
      .array(z.strictObject({ group: buildGroup, error: z.string() }))
      .meta({ description: "Builds that failed, with their errors" }),
    pareto_front: z
      .array(
        z.strictObject({
          trial_id: z.string(),
          config: hnswConfigOut,
          recall_at_k: z.number(),
          p50_us: z.number(),
        }),
      )
      .meta({ description: "Points no other beats on both recall and p50, fastest first" }),
    stop_reason: z.string().nullable().meta({ description: "Why the search stopped" }),
    progress: z
      .strictObject({ round: z.int(), builds_planned: z.int(), builds_done: z.int() })
      .meta({ description: "How far it got" }),
    started_at: timestamp("When it started"),
    finished_at: timestamp("When it ended").nullable(),
    duration_ms: z.number().nullable().meta({ description: "How long it ran, once ended" }),
  })
  .meta({ id: "AutotuneJob" });

/** What starting an autotune answers: the job once ended, or its id while it runs (202). */
export const jobStarted = z.union([
  job,
  z.strictObject({
    job_id: z
      .string()
      .meta({ description: "The job's id: poll GET /vectors/hnsw/autotune/{job_id}" }),
    status: z.literal("RUNNING"),
  }),
]);

/** An index's autotune jobs. */
export const jobList = z.strictObject({
  jobs: z.array(job).meta({ description: "Newest first" }),
});

/** An autotune policy. */
export const policy = z
  .strictObject({
    index_name: z.string().meta({ description: "The index it tunes" }),
    index_uid: z.string().meta({ description: "The incarnation it was set for" }),
    harness: z.string().meta({ description: "The harness its jobs measure against" }),
    strategy: z.enum(STRATEGIES).meta({ description: "How its jobs pick" }),
    min_recall: z.number().meta({ description: "The recall gate or target" }),
    grid: z
      .array(gridEntry)
      .nullable()
      .meta({ description: "max_recall: the grid (null: default)" }),
    space: space.nullable().meta({ description: "target_recall: where to search" }),
    max_builds: z.int().nullable().meta({ description: "target_recall: the build budget" }),
    every_minutes: z.int().nullable().meta({ description: "The schedule trigger, if set" }),
    min_new_vectors: z.int().nullable().meta({ description: "The append trigger, if set" }),
    created_at: timestamp("When it was first set"),
    updated_at: timestamp("When it was last set"),
    last_started_at: timestamp("When it last started a job").nullable(),
    last_job_id: z.string().nullable().meta({ description: "The job it last started" }),
    vectors_written_at_last_start: count("The index's vectors written then"),
  })
  .meta({ id: "AutotunePolicy" });
