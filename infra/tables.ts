/**
 * The DynamoDB tables, defined once: the CDK stack creates them from these specs and the local
 * stack creates the same tables in dynalite. Plain data: no CDK imports, so the local stack and
 * the Lambda bundles can read it too.
 */
export interface KeySpec {
  /** The attribute's name. */
  readonly name: string;
  /** Its type: string or number. */
  readonly type: "S" | "N";
}

/**
 * One DynamoDB table as the CDK stack creates it and the local stack creates it in dynalite: its
 * names, key schema and indexes.
 */
export interface TableSpec {
  /** Construct id in the CDK stack. */
  readonly id: string;
  /** Table name used by the local stack (CDK lets CloudFormation name the real one). */
  readonly localName: string;
  /** Environment variable through which functions learn the table's name. */
  readonly envVar: string;
  /** The partition key. */
  readonly partitionKey: KeySpec;
  /** The sort key, if any. */
  readonly sortKey?: KeySpec;
  /** Attribute holding an epoch-seconds expiry, if items expire. */
  readonly timeToLiveAttribute?: string;
  /** Global secondary indexes (all attributes projected). */
  readonly globalIndexes?: readonly {
    readonly indexName: string;
    readonly partitionKey: KeySpec;
    readonly sortKey?: KeySpec;
  }[];
}

/**
 * Every DynamoDB table of the service (see {@link TableSpec}); the stack and the local stack both
 * create them from here.
 */
export const TABLES = {
  /** Index catalog: settings, live count, data version and segment list of each index. */
  indexes: {
    id: "IndexesTable",
    localName: "vectord-indexes",
    envVar: "VECTORD_INDEXES_TABLE",
    partitionKey: { name: "name", type: "S" },
  },
  /** Trial journal: append-only, newest first per index (trial ids are ULIDs). */
  trials: {
    id: "TrialsTable",
    localName: "vectord-trials",
    envVar: "VECTORD_TRIALS_TABLE",
    partitionKey: { name: "index_name", type: "S" },
    sortKey: { name: "trial_id", type: "S" },
  },
  /** Promotion registry: per index, the current promoted config and its history. */
  promotions: {
    id: "PromotionsTable",
    localName: "vectord-promotions",
    envVar: "VECTORD_PROMOTIONS_TABLE",
    partitionKey: { name: "index_name", type: "S" },
  },
  /** Search profiles: named sets of indexes with a default HNSW config. */
  profiles: {
    id: "ProfilesTable",
    localName: "vectord-profiles",
    envVar: "VECTORD_PROFILES_TABLE",
    partitionKey: { name: "id", type: "S" },
  },
  /** Autotune jobs: status, trials and winner; listed per index newest first through a GSI. */
  jobs: {
    id: "JobsTable",
    localName: "vectord-jobs",
    envVar: "VECTORD_JOBS_TABLE",
    partitionKey: { name: "job_id", type: "S" },
    globalIndexes: [
      {
        indexName: "by_index",
        partitionKey: { name: "index_name", type: "S" },
        sortKey: { name: "job_id", type: "S" },
      },
    ],
  },
  /** Autotune leases: at most one running autotune per index, expiring if a run crashes. */
  leases: {
    id: "LeasesTable",
    localName: "vectord-leases",
    envVar: "VECTORD_LEASES_TABLE",
    partitionKey: { name: "index_name", type: "S" },
    timeToLiveAttribute: "expires_at",
  },
  /** Bulk imports: one item per import job, with its progress. */
  imports: {
    id: "ImportsTable",
    localName: "vectord-imports",
    envVar: "VECTORD_IMPORTS_TABLE",
    partitionKey: { name: "import_id", type: "S" },
  },
  /**
   * Runs of the tasks requests start (activations, manual trials, harnesses): one item per run,
   * its kind, input, status and result, per index oldest first (run ids are ULIDs); items expire
   * a week after they are made.
   */
  runs: {
    id: "RunsTable",
    localName: "vectord-runs",
    envVar: "VECTORD_RUNS_TABLE",
    partitionKey: { name: "scope", type: "S" },
    sortKey: { name: "run_id", type: "S" },
    timeToLiveAttribute: "expires_at",
  },
  /** Autotune policies: when to tune an index on a schedule or after appends. */
  policies: {
    id: "PoliciesTable",
    localName: "vectord-policies",
    envVar: "VECTORD_POLICIES_TABLE",
    partitionKey: { name: "index_name", type: "S" },
  },
} as const satisfies Record<string, TableSpec>;

/** The name of a table (a key of {@link TABLES}). */
export type TableKey = keyof typeof TABLES;

/** Environment variable through which functions learn the bucket's name. */
export const BUCKET_ENV_VAR = "VECTORD_BUCKET";
/** Bucket name used by the local stack. */
export const LOCAL_BUCKET_NAME = "vectord-local";
