import { z } from "zod";
import { hnswConfigOut } from "./data-responses";
import { count, nextToken, status, timestamp } from "./response-fields";

/**
 * What the tuning routes answer (harnesses, trials, promotion, activation, profiles, autotune):
 * the OpenAPI document's response schemas, and what the tests check every answer against.
 * Strict, as the data routes' (./data-responses.ts); autotune's are in ./autotune-responses.ts.
 */

/** A typed error as a run records it: the answer the request would have met. */
const errorRecord = z
  .strictObject({
    kind: z.string().meta({ description: "The error's class, which gives its HTTP status" }),
    code: z.string().meta({ description: "Stable machine-readable code" }),
    message: z.string().meta({ description: "What was wrong" }),
  })
  .meta({ id: "RunError" });

/** A harness (eval set) without its query vectors and ground truth. */
export const evalSet = z
  .strictObject({
    name: z.string().meta({ description: "The harness's name" }),
    index_name: z.string().meta({ description: "The index it measures" }),
    k: z.int().meta({ description: "Neighbors per query in the ground truth" }),
    queries: count("Queries it holds"),
    data_version: count("The data version its ground truth is exact for"),
    ground_truth_built: z.literal(true).meta({ description: "Always true once saved" }),
    stale: z.boolean().meta({ description: "Whether the index changed since" }),
    source: z.enum(["given", "autogen"]).meta({ description: "How its queries were made" }),
    seed: z.int().optional().meta({ description: "autogen: the seed that drew the queries" }),
    created_at: timestamp("When it was created"),
    refreshed_at: timestamp("When its ground truth was last computed"),
  })
  .meta({ id: "Harness" });

/** A page of harnesses. */
export const evalPage = z.strictObject({
  harnesses: z.array(evalSet).meta({
    description:
      "Harnesses in name order; with index_name, a page may hold fewer than limit (or none) and still go on",
  }),
  next_token: nextToken,
});

/** A harness its request saved, with the run that made it. */
export const evalSetMade = evalSet
  .extend({
    run_id: z.string().meta({ description: "The run that made it (a ULID)" }),
  })
  .meta({ id: "HarnessMade" });

/** What every task run's record shows (an activation's, a harness's, a trial's) but its id. */
const recordFields = {
  index_name: z.string().meta({ description: "The index the run works on" }),
  status: status.meta({ description: "Where the run is" }),
  requested_at: timestamp("When it was asked for"),
  finished_at: timestamp("When it ended").nullable(),
  error: errorRecord.nullable().meta({ description: "Why it failed, once FAILED" }),
  expires_at: z.int().meta({ description: "Epoch seconds after which the record may go" }),
};

/** A harness's or a trial's run record: {@link recordFields} and its `run_id`. */
const runFields = {
  ...recordFields,
  run_id: z.string().meta({ description: "The run's id (a ULID)" }),
};

/** A harness run: what was asked, and the harness once saved. */
export const harnessRun = z
  .strictObject({
    ...runFields,
    action: z.enum(["create", "autogen", "refresh"]).meta({ description: "What was asked" }),
    harness: z.string().meta({ description: "The harness's name" }),
    result: evalSet.nullable().meta({ description: "The harness, once SUCCEEDED" }),
  })
  .meta({ id: "HarnessRun" });

const metrics = z
  .strictObject({
    recall_at_k: z.number().meta({
      description:
        "Mean recall@k over the harness's queries: the share of each query's exact top-k found, a result no farther than its k-th true neighbor counting as found (a tie)",
    }),
    recall_stderr: z.number().optional().meta({
      description:
        "Standard error of recall_at_k: the standard deviation of the per-query recalls over the square root of the query count (another set of as many such queries reads within about twice this, 95 times in 100); absent on trials from before it was measured",
    }),
    recall_rule: z.enum(["ties", "ids"]).meta({
      description:
        'How recall_at_k counted a result as found: "ties", a result no farther than the k-th true neighbor counts (every trial measured now); "ids", only the exact scan\'s own rows count (trials journaled before the rule was recorded: on data with exact copies they read lower than "ties" would, on data without ties the same)',
    }),
    k: z.int().meta({ description: "The harness's k" }),
    search_latency_p50_us: z.number().meta({ description: "Median search latency, µs" }),
    search_latency_p95_us: z.number().meta({ description: "95th percentile, µs" }),
    search_latency_p99_us: z.number().meta({ description: "99th percentile, µs" }),
    build_time_ms: z.number().meta({ description: "Time to build the graph, ms" }),
    memory_bytes: count("Size of the serialized graph"),
    queries: count("Queries measured"),
  })
  .meta({ id: "TrialMetrics" });

/** One trial of the journal. */
export const trial = z
  .strictObject({
    trial_id: z.string().meta({ description: "The trial's id (a ULID)" }),
    index_name: z.string().meta({ description: "The index measured" }),
    harness: z.string().meta({ description: "The harness measured against" }),
    config: hnswConfigOut,
    metrics,
    data_version: count("The data version its graph was built from"),
    source: z.enum(["manual", "autotune"]).meta({ description: "Who ran it" }),
    note: z.string().nullable().meta({ description: "The caller's note" }),
    created_at: timestamp("When it was journaled"),
    job_id: z.string().optional().meta({ description: "The autotune job that ran it" }),
    snapshot_key: z.string().meta({ description: "Where its graph is kept" }),
  })
  .meta({ id: "Trial" });

/** A trial its request journaled, with its run. */
export const trialMade = trial
  .extend({
    run_id: z.string().meta({ description: "The run that made it (a ULID)" }),
  })
  .meta({ id: "TrialMade" });

/** A manual trial's run: what was asked, and the trial once journaled. */
export const trialRun = z
  .strictObject({
    ...runFields,
    harness: z.string().meta({ description: "The harness measured against" }),
    config: hnswConfigOut,
    note: z.string().nullable().meta({ description: "The caller's note" }),
    result: trial.nullable().meta({ description: "The trial, once SUCCEEDED" }),
  })
  .meta({ id: "TrialRun" });

/** A page of the trial journal. */
export const trialPage = z.strictObject({
  trials: z.array(trial).meta({ description: "Trials, newest first" }),
  next_token: nextToken,
});

const promotionEntry = z
  .strictObject({
    trial_id: z.string().meta({ description: "The trial promoted" }),
    config: hnswConfigOut,
    metrics,
    promoted_by: z.string().meta({ description: "Who promoted it (autotune for a job)" }),
    note: z.string().nullable().meta({ description: "Why" }),
    promoted_at: timestamp("When"),
  })
  .meta({ id: "Promotion" });

/** The registry after a promote or a rollback. */
export const promotionChange = z
  .strictObject({
    index_name: z.string().meta({ description: "The index" }),
    current: promotionEntry.nullable().meta({ description: "The promotion now current" }),
    history_depth: count("Entries in the history (at most 50)"),
  })
  .meta({ id: "PromotionChange" });

/** An index's whole promotion registry. */
export const promoted = z.strictObject({
  index_name: z.string().meta({ description: "The index" }),
  current: promotionEntry.nullable().meta({ description: "The promotion activation serves" }),
  history: z.array(promotionEntry).meta({ description: "Earlier ones, newest first (max 50)" }),
  version: count("Bumped by every change"),
});

/** What an activation made. */
const activationFields = {
  index_name: z.string().meta({ description: "The index activated" }),
  generation: z.int().meta({ description: "The generation now active" }),
  config: hnswConfigOut,
  config_source: z
    .enum(["promoted", "default"])
    .meta({ description: "The registry's current, or the caller's (else built-in) default" }),
  graph: z.enum(["built", "caught_up", "copied"]).meta({ description: "How the graph was made" }),
  graph_source: z
    .enum(["active", "snapshot", "new"])
    .meta({ description: "Whose graph: the active one, a trial's snapshot, or new" }),
  build_time_ms: z.number().meta({ description: "Time building or catching up, ms" }),
  vectors_added: count("Vectors added to an existing graph (all when built)"),
  vectors: count("Live vectors at the data version the generation holds"),
  reused_snapshot: z.boolean().meta({ description: "Whether the promoted trial's graph served" }),
};

/** What an activation made, as its record shows it. */
const activationResult = z.strictObject(activationFields).meta({ id: "ActivationResult" });

/** The activation's result, with its id. */
export const activationDone = z
  .strictObject({
    activation_id: z.string().meta({ description: "The activation's id (a ULID)" }),
    ...activationFields,
  })
  .meta({ id: "ActivationDone" });

/** An activation record: what was asked, and what it made once ended. */
export const activationView = z
  .strictObject({
    ...recordFields,
    activation_id: z.string().meta({ description: "The activation's id (a ULID)" }),
    default_config: hnswConfigOut.nullable().meta({ description: "The caller's default, if any" }),
    result: activationResult.nullable().meta({ description: "What it made, once SUCCEEDED" }),
  })
  .meta({ id: "Activation" });

/** A search profile. */
export const profile = z
  .strictObject({
    id: z.string().meta({ description: "The profile's id" }),
    indexes: z.array(z.string()).meta({ description: "The indexes it serves" }),
    hnsw_config: hnswConfigOut.nullable().meta({ description: "Its activation config, if set" }),
    created_at: timestamp("When it was created"),
    updated_at: timestamp("When it was last set"),
  })
  .meta({ id: "Profile" });

/** A profile's activation of each of its indexes. */
export const profileActivation = z
  .strictObject({
    profile_id: z.string().meta({ description: "The profile" }),
    results: z
      .array(
        z.union([
          z.strictObject({
            ok: z.literal(true),
            status: z.literal("SUCCEEDED"),
            activation_id: z.string(),
            ...activationFields,
          }),
          z.strictObject({
            ok: z.literal(false),
            status: z.literal("RUNNING"),
            index_name: z.string(),
            activation_id: z.string(),
          }),
          z.strictObject({
            ok: z.literal(false),
            status: z.literal("FAILED"),
            index_name: z.string(),
            activation_id: z.string().optional(),
            error: z.strictObject({ code: z.string(), message: z.string() }),
          }),
        ]),
      )
      .meta({ description: "One per index of the profile, as it stood when the request answered" }),
  })
  .meta({ id: "ProfileActivation" });
