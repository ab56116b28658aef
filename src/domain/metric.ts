/**
 * Distance metrics, defined exactly as hnswlib defines them so that exact (brute-force) results
 * and HNSW results are comparable:
 * - `l2`: squared Euclidean distance, sum((x_i - y_i)^2);
 * - `ip`: one minus the inner product, 1 - sum(x_i * y_i);
 * - `cosine`: one minus the cosine similarity, 1 - x.y / (|x| |y|).
 */
export const METRICS = ["l2", "cosine", "ip"] as const;
/** A distance metric an index uses (one of {@link METRICS}). */
export type Metric = (typeof METRICS)[number];

/** Largest dimension an index may have. */
export const MAX_DIMENSION = 4096;
/** Largest `k` of one search. */
export const MAX_SEARCH_K = 1000;
/** Default `k` of one search. */
export const DEFAULT_SEARCH_K = 10;
/** Largest number of vectors in one upsert request. */
export const MAX_UPSERT_BATCH = 1000;
/** Longest vector id, in characters. */
export const MAX_ID_LENGTH = 256;
/** Index names: lowercase letters, digits, `_` and `-`, 1 to 63 characters, starting alphanumeric. */
export const INDEX_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
