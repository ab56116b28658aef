import { IdDirectoryBuilder } from "../../src/app/id-directory-builder";
import type { VectorStore } from "../../src/app/vector-store";
import { type CompactionPolicy, DEFAULT_COMPACTION } from "../../src/domain/compaction";
import type { TestStack } from "./stacks";
import { type Storage, storesOn } from "./stores";

// Fixtures of the id directory tests: 2-d indexes written in batches, segments small enough to
// fill, and compactors that build the directory.

/** Row `id` of 2 values from its number `i`: [i % 97, i % 89]. */
export const row = (id: string, i: number) => ({ id, values: [i % 97, i % 89] });

/** Segments of about 230 two-value rows are full (merges stop at 32 KiB). */
export const SMALL_SEGMENTS: CompactionPolicy = {
  ...DEFAULT_COMPACTION,
  baseBytes: 1024,
  maxSegmentBytes: 32 * 1024,
};

/**
 * Index `name` (2-d, l2) written by `writer` as `batches` writes of `size` rows each, ids
 * `<prefix>0`, `<prefix>1`, … with values by their number (see {@link row}).
 */
export async function writtenIndex(
  writer: VectorStore,
  name: string,
  batches: number,
  size: number,
  prefix = "v",
) {
  await writer.createIndex(name, { dimension: 2, metric: "l2" });
  for (let b = 0; b < batches; b++) {
    await writer.upsert(
      name,
      Array.from({ length: size }, (_, i) => row(`${prefix}${b * size + i}`, b * size + i)),
    );
  }
}

/** The stores of `env` (see `storesOn`), and compactors that build the id directory. */
export function idDirectoryFixtures(env: TestStack) {
  const stores = storesOn(env);

  /** A compactor of `policy` on `parts` that builds the directory at every run's end. */
  const compactorWithDirectory = (parts: Storage, policy: CompactionPolicy) => {
    const idDirectories = new IdDirectoryBuilder({ ...parts, policy, rebuildWords: 0 });
    return stores.compactorOn(parts, policy, { idDirectories });
  };

  return { ...stores, compactorWithDirectory };
}
