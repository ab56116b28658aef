import type { VectorInput } from "../domain/vector-batch";
import { logger } from "../logger";
import type { AutotunePolicies } from "./autotune-policies";
import type { WriteResult } from "./vector-results";
import type { VectorStore } from "./vector-store";

/**
 * Upserts, then gives the append trigger its chance: an index whose policy's `min_new_vectors`
 * is reached starts an autotune. The trigger never fails the write that fed it.
 */
export class IngestService {
  constructor(
    private readonly vectors: VectorStore,
    private readonly policies: AutotunePolicies,
  ) {}

  /** Upserts a batch written by `writer` (the caller's identity, recorded if it starts a job). */
  async upsert(
    indexName: string,
    vectors: readonly VectorInput[],
    writer: string,
  ): Promise<WriteResult> {
    const result = await this.vectors.upsert(indexName, vectors);
    try {
      await this.policies.afterAppend(result.record, writer);
    } catch (err) {
      logger.error("append trigger failed; the upsert itself succeeded", {
        index_name: indexName,
        error: err as Error,
      });
    }
    return result;
  }
}
