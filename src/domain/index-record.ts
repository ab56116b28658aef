import type { HnswConfig } from "./hnsw-config";
import type { MaintenanceSettings } from "./maintenance";
import type { Metric } from "./metric";
import type { SegmentRef } from "./segment";

/** The catalog entry of an index: its settings and the ordered list of its segments. */
export interface IndexRecord {
  /** The index's name, unique among live indexes. */
  readonly name: string;
  /**
   * Unique id of this incarnation of the index. Storage keys live under it, so deleting an index
   * and creating one with the same name never mixes their data.
   */
  readonly uid: string;
  /** Values per vector. */
  readonly dimension: number;
  /** The distance searches rank by. */
  readonly metric: Metric;
  /** Number of distinct live ids. */
  readonly count: number;
  /** Increases by one with every write; the version every derived artifact is stamped with. */
  readonly dataVersion: number;
  /** Vectors upserted over the index's life (a replaced id counts again; deletes do not). */
  readonly vectorsWritten: number;
  /** Segments, oldest first. */
  readonly segments: readonly SegmentRef[];
  /**
   * Where the oldest segments are listed: the first `segmentList.count` of {@link segments} are
   * in that immutable object, the rest in the catalog item itself (absent: all in the item). Writes
   * append to the item; compaction folds full segments into a new object (see `foldable`). An
   * item about to fold for the first time names a list of none (`count` 0).
   */
  readonly segmentList?: SegmentListRef;
  /** When this incarnation was created (ISO 8601). */
  readonly createdAt: string;
  /** When it was last written or its settings changed (ISO 8601). */
  readonly updatedAt: string;
  /** The HNSW graph searches use, or `null` before the first activation. */
  readonly active: ActiveGeneration | null;
  /** When the active graph is caught up or rebuilt (unset fields: `DEFAULT_MAINTENANCE`). */
  readonly maintenance?: Partial<MaintenanceSettings>;
  /**
   * The index's id directory: which ids are live as of a data version, so that a writer asks it
   * about the ids it writes instead of reading every segment's id digest (absent: none built
   * yet; see `IdDirectoryRef`).
   */
  readonly idDirectory?: IdDirectoryRef;
}

/**
 * An id directory: the sorted 64-bit hashes (`idHash`) of the ids live once every word up to
 * data version `version` is applied, each with the version that last upserted it, and (`names`)
 * the ids themselves, in one immutable object (see `idDirectoryLayout`). Compaction builds it over
 * the index's oldest full segments (see `directoryCoverage`).
 */
export interface IdDirectoryRef {
  /** The object's key. */
  readonly key: string;
  /** It holds the words of versions up to this one (every word of the segments it covers). */
  readonly version: number;
  /** Live hashes it holds. */
  readonly live: number;
  /**
   * Whether it also holds the live ids' names, in hash order (see `idDirectoryLayout`), which an
   * id listing's pages read instead of every segment's digest; directories built before names
   * did not (absent: `false`), and the next build rebuilds them whole.
   */
  readonly names?: boolean;
}

/** An immutable object listing the oldest segments of an index. */
export interface SegmentListRef {
  /** The object's key. */
  readonly key: string;
  /** How many segments it lists: the first ones of the index's list. */
  readonly count: number;
  /**
   * Set when an unfold (folds off) was refused because the catalog item could not hold every
   * segment: how many segments the index had then. Compaction tries to unfold again only once
   * the index has fewer, or names another list (absent: never refused).
   */
  readonly unfoldRefusedAt?: number;
}

/** The part of an index record that changes with writes and activations (see `getHead`). */
export type IndexHead = Pick<IndexRecord, "name" | "uid" | "dataVersion" | "count" | "active">;

/** An activated HNSW graph of an index: what searches are served from. */
export interface ActiveGeneration {
  /** 1, 2, 3, ...: bumped by every flip (activations and catch-ups). */
  readonly generation: number;
  /**
   * Activations of the index so far: bumped by each activation, kept by catch-ups (absent on
   * records from before it was kept: 0). An activation overtaken by newer data catches up only
   * when no other activation flipped meanwhile.
   */
  readonly activations?: number;
  /** The config the graph was built with and is searched at. */
  readonly config: HnswConfig;
  /** The index data the graph was built from. */
  readonly data_version: number;
  /** When the pointer flipped to it (ISO 8601). */
  readonly activated_at: string;
  /** The serialized graph: the whole file, or with `graph_base` a patch over that file. */
  readonly graph_key: string;
  /**
   * The whole graph file `graph_key` patches (a generation this one was caught up from); absent
   * when `graph_key` is the whole file. Kept while referenced here.
   */
  readonly graph_base?: GraphBase;
  /** The graph's label map (ids, versions, metadata per label), beside the graph. */
  readonly rows_key: string;
  /** Labels in the graph (deleted ones included). */
  readonly labels?: number;
  /** Labels marked deleted by catch-ups since the graph was last built in full. */
  readonly deleted_labels?: number;
  /** The generation this one replaced, kept until the next flip. */
  readonly previous?: {
    readonly graph_key: string;
    readonly rows_key: string;
    /** The key of the whole graph file `graph_key` patches, if any. */
    readonly graph_base_key?: string;
    /** The data version it was built from (absent on records from before it was kept). */
    readonly data_version?: number;
  };
}

/** The whole graph file a patch applies to, and how many elements it holds. */
export interface GraphBase {
  /** The whole graph file's key. */
  readonly key: string;
  /** Elements in that file (the patch's elements beyond them are new). */
  readonly elements: number;
}

/** A stored graph: a whole file at `graph_key`, or a patch there over the file `graph_base`. */
export interface GraphRef {
  /** The graph's key: the whole file, or a patch over `graph_base`. */
  readonly graph_key: string;
  /** The whole file the patch applies to; absent for a whole file. */
  readonly graph_base?: GraphBase | undefined;
}

/** Settings given when an index is created. */
export interface IndexSettings {
  /** Values per vector (1..4096). */
  readonly dimension: number;
  /** The distance searches rank by. */
  readonly metric: Metric;
  /** Maintenance settings to set (a subset; the others keep their value or default). */
  readonly maintenance?: Partial<MaintenanceSettings> | undefined;
}

/**
 * The objects an active-generation pointer keeps: the active and previous generations' graphs
 * and label maps, and the whole graph files their patches apply to.
 */
export function generationKeysOf(active: ActiveGeneration): string[] {
  const keys = [active.graph_key, active.rows_key];
  if (active.graph_base) keys.push(active.graph_base.key);
  const previous = active.previous;
  if (previous) {
    keys.push(previous.graph_key, previous.rows_key);
    if (previous.graph_base_key) keys.push(previous.graph_base_key);
  }
  return keys;
}

/**
 * The oldest data version a loaded generation of the index may be built from and still be
 * served while the active one loads: the previous generation's (the active one's when there is
 * none, or when the record predates keeping it). Compaction keeps every deletion after it, so the
 * words written since such a generation tell exactly which of its labels are stale.
 */
export function servableFloor(active: ActiveGeneration | null | undefined): number {
  if (!active) return 0;
  return active.previous?.data_version ?? active.data_version;
}

/** Whether a loaded generation `held` may serve while `active` is the index's active one. */
export function servableWith(
  held: Pick<ActiveGeneration, "data_version">,
  active: ActiveGeneration | null | undefined,
): boolean {
  return held.data_version >= servableFloor(active);
}
