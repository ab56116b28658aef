import { type CompactionPolicy, DEFAULT_COMPACTION } from "../src/domain/compaction";

/**
 * The catalog benches' policy: every write of 10 4-d vectors is a full segment, and full segments
 * never merge (the pairwise merge that keeps a pathological list short is off).
 */
export const FULL_SEGMENTS: CompactionPolicy = {
  ...DEFAULT_COMPACTION,
  maxSegmentBytes: 1024,
  maxSegments: Number.POSITIVE_INFINITY,
};
