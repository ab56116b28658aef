import type { HnswConfig } from "./hnsw-config";

/** A named set of indexes served together, with the default config used to activate them. */
export interface Profile {
  /** The profile's id. */
  readonly id: string;
  /** The indexes it serves (1..100); searching others through it is a 403. */
  readonly indexes: readonly string[];
  /**
   * The config its indexes are activated with when nothing is promoted for them (`null`: the
   * service's default).
   */
  readonly hnsw_config: HnswConfig | null;
  /** When it was created (ISO 8601). */
  readonly created_at: string;
  /** When it was last set (ISO 8601). */
  readonly updated_at: string;
}
