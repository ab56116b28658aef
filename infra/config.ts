import {
  GRAPH_BUILDING_MEMORY_MB,
  LAMBDA_MAX_MEMORY_MB,
  type MemorySettings,
  type Throttle,
  VECTOR_LOADING_MEMORY_MB,
} from "./function-spec";
import { DEFAULT_THROTTLE } from "./routes";

/** Environment variable setting the eventual window of searches, in ms (default 1,000). */
export const EVENTUAL_ENV_VAR = "VECTORD_EVENTUAL_MS";

/** Environment variable turning catalog folds off (`off`; default `on`). */
export const CATALOG_FOLDS_ENV_VAR = "VECTORD_CATALOG_FOLDS";

/**
 * Environment variable setting the bytes of graphs a warm instance keeps for the next catch-ups
 * (an integer ≥ 0; see `Settings.heldGraphBytes`). From {@link StackConfig.heldGraphMb}.
 */
export const HELD_GRAPH_BYTES_ENV_VAR = "VECTORD_HELD_GRAPH_BYTES";

/** Environment variable turning id directories off (`off`; default `on`). */
export const ID_DIRECTORIES_ENV_VAR = "VECTORD_ID_DIRECTORIES";

/**
 * Deploy-time settings of the stack, from CDK context (`cdk deploy -c vectord:corsOrigins=...`)
 * or, in tests, given directly. Everything is off or conservative by default.
 */
export interface StackConfig extends MemorySettings {
  /** Origins allowed by CORS; none (the default) turns CORS off. */
  readonly corsOrigins: readonly string[];
  /** Stage-wide throttling (routes may override it in infra/routes.ts). */
  readonly throttle: Throttle;
  /**
   * Reserved concurrency of each graph-building function, so one tenant's autotune cannot take
   * the account's whole concurrency from search. Off by default: new accounts may allow only 10
   * concurrent executions in all, and a deploy that reserves more fails.
   */
  readonly builderConcurrency: number | null;
  /** An email address subscribed to the alarm topic, if given. */
  readonly alarmEmail: string | null;
  /** How long `eventual` searches may reuse catalog state, ms (null: the default, 1,000). */
  readonly eventualMs: number | null;
  /**
   * Whether compaction folds full segments out of the catalog items (default `true`). `false`
   * (`-c vectord:catalogFolds=off`) unfolds them instead: deploy it before rolling back to a
   * version from before folds.
   */
  readonly catalogFolds: boolean;
  /**
   * Whether compaction builds id directories and requests use them (default `true`). `false`
   * (`-c vectord:idDirectories=off`) makes requests ignore them and compaction remove them:
   * deploy it before rolling back to a version from before id directories.
   */
  readonly idDirectories: boolean;
  /**
   * Pending vectors (written, not in the graph yet) at or above which a search's scan, sustained
   * for 15 minutes, raises the freshness alarm: catch-ups are not keeping up (default
   * {@link DEFAULT_PENDING_ALARM}).
   */
  readonly pendingVectorsAlarm: number;
  /**
   * MB of graphs a warm graph-building instance keeps, in memory and on disk, for the next
   * catch-ups of their generations (`-c vectord:heldGraphMb=...`, 0..10,240; README, "Sizing").
   * Null (the default): a third of the function's memory above 512 MB, the largest graph the
   * build sizing rule lets it build; 0 keeps only the graph written last.
   */
  readonly heldGraphMb: number | null;
}

/**
 * Default of {@link StackConfig.pendingVectorsAlarm}: 10× the most an index's default catch-up
 * threshold lets pend (10,000 vectors).
 */
export const DEFAULT_PENDING_ALARM = 100_000;

/**
 * The memory settings' range, in MB: at least {@link VECTOR_LOADING_MEMORY_MB} (one full vCPU;
 * less shares one, which a graph build or a search would wait on), at most Lambda's largest.
 */
export const SIZED_MEMORY_MB = {
  min: VECTOR_LOADING_MEMORY_MB,
  max: LAMBDA_MAX_MEMORY_MB,
} as const;

/**
 * The stack's settings when `cdk.json` context sets none: no CORS, the default throttle, no
 * reserved concurrency for the graph builders (new accounts may allow only 10 concurrent
 * executions), no alarm e-mail, the functions' declared memory.
 */
export const DEFAULT_CONFIG: StackConfig = {
  corsOrigins: [],
  throttle: DEFAULT_THROTTLE,
  builderConcurrency: null,
  alarmEmail: null,
  eventualMs: null,
  catalogFolds: true,
  idDirectories: true,
  pendingVectorsAlarm: DEFAULT_PENDING_ALARM,
  heldGraphMb: null,
  builderMemoryMb: GRAPH_BUILDING_MEMORY_MB,
  searchMemoryMb: VECTOR_LOADING_MEMORY_MB,
};

/**
 * An on/off switch's value (`undefined` when unset or empty), from a CDK context key or an
 * environment variable: anything but `on` or `off` throws, naming `what` and the value.
 */
export function onOff(value: string | undefined, what: string): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  if (value !== "on" && value !== "off") {
    throw new Error(`${what} must be "on" or "off", got "${value}"`);
  }
  return value === "on";
}

/** Reads {@link StackConfig} from CDK context values (strings on the command line). */
export function configFromContext(get: (key: string) => unknown): StackConfig {
  const text = (key: string) => {
    const value = get(`vectord:${key}`);
    return value === undefined || value === null || value === "" ? undefined : String(value);
  };
  // An integer `min..max`, or undefined when unset; anything else throws, naming `expected`.
  const integer = (key: string, min: number, max: number, expected: string) => {
    const value = text(key);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new Error(`context vectord:${key} must be ${expected}, got "${value}"`);
    }
    return n;
  };
  const positive = (key: string) => integer(key, 1, Number.POSITIVE_INFINITY, "a positive integer");
  const { min, max } = SIZED_MEMORY_MB;
  const memory = (key: string, fallback: number) =>
    integer(key, min, max, `an integer ${min}..${max} (MB)`) ?? fallback;
  return {
    corsOrigins: (text("corsOrigins") ?? "")
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean),
    throttle: {
      rateLimit: positive("throttleRate") ?? DEFAULT_THROTTLE.rateLimit,
      burstLimit: positive("throttleBurst") ?? DEFAULT_THROTTLE.burstLimit,
    },
    builderConcurrency: positive("builderConcurrency") ?? null,
    alarmEmail: text("alarmEmail") ?? null,
    eventualMs: positive("eventualMs") ?? null,
    catalogFolds: onOff(text("catalogFolds"), "context vectord:catalogFolds") ?? true,
    idDirectories: onOff(text("idDirectories"), "context vectord:idDirectories") ?? true,
    pendingVectorsAlarm: positive("pendingAlarm") ?? DEFAULT_PENDING_ALARM,
    heldGraphMb:
      integer(
        "heldGraphMb",
        0,
        LAMBDA_MAX_MEMORY_MB,
        `an integer 0..${LAMBDA_MAX_MEMORY_MB} (MB)`,
      ) ?? null,
    builderMemoryMb: memory("builderMemoryMb", GRAPH_BUILDING_MEMORY_MB),
    searchMemoryMb: memory("searchMemoryMb", VECTOR_LOADING_MEMORY_MB),
  };
}
