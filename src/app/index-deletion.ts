import { logger } from "../logger";
import { compactionLeaseKey } from "./compactor";
import type { LeaseStore, PolicyStore } from "./ports";
import type { PromotionService } from "./promotion-service";
import type { VectorStore } from "./vector-store";

/**
 * Deleting an index: the catalog record first (from then on the incarnation is gone, and every
 * name-keyed record left by it is fenced by its `index_uid`), then its objects, its promotion
 * registry, its autotune policy and its leases. Trials, harnesses and jobs stay as history of an
 * incarnation no later index of the same name sees or can promote from.
 */
export class IndexDeletion {
  constructor(
    private readonly deps: {
      vectors: VectorStore;
      promotions: PromotionService;
      policies: PolicyStore;
      leases: LeaseStore;
    },
  ) {}

  async delete(name: string): Promise<void> {
    const removed = await this.deps.vectors.deleteIndex(name);
    const cleanups = await Promise.allSettled([
      this.deps.promotions.forget(name),
      this.deps.policies.delete(name),
      this.deps.leases.clear(name),
      this.deps.leases.clear(compactionLeaseKey(name)),
    ]);
    for (const failed of cleanups.filter((c) => c.status === "rejected")) {
      // Fenced anyway: a record of this incarnation is never read as the next one's.
      logger.warn("could not remove a record of a deleted index", {
        index_name: name,
        index_uid: removed.uid,
        error: (failed as PromiseRejectedResult).reason as Error,
      });
    }
  }
}
