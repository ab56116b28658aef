import type { HnswConfig } from "./hnsw-config";

/** A named set of indexes served together, with the default config used to activate them. */
export interface Profile {
  readonly id: string;
  readonly indexes: readonly string[];
  readonly hnsw_config: HnswConfig | null;
  readonly created_at: string;
  readonly updated_at: string;
}
