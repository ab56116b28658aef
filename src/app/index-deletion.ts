import { logger } from "../logger";
import { compactionLeaseKey } from "./compactor";
import type { PolicyStore } from "./ports";
import type { PromotionService } from "./promotion-service";
import type { VectorStore } from "./vector-store";
import type { BackgroundTasks, LeaseStore } from "./work-ports";

/**
 * Deleting an index: the catalog record first (from then on the incarnation is gone, and every
 * name-keyed record left by it is fenced by its `index_uid`), then its promotion registry, its
 * autotune policy and its leases; its objects go in the `purge` task (as many as the index is
 * large: never in the request), which the hourly housekeeping starts again for any incarnation
 * whose objects are left. Trials, harnesses and jobs stay as history of an incarnation no later
 * index of the same name sees or can promote from.
 */
export class IndexDeletion {
  constructor(
    private readonly deps: {
      vectors: VectorStore;
      promotions: PromotionService;
      policies: PolicyStore;
      leases: LeaseStore;
      tasks: BackgroundTasks;
    },
  ) {}

  /**
   * Deletes index `name`: its catalog record first (from then on it is gone), then its promotions,
   * policy and lease, and starts the task that purges its objects.
   */
  async delete(name: string): Promise<void> {
    const removed = await this.deps.vectors.deleteIndex(name);
    const cleanups = await Promise.allSettled([
      this.deps.promotions.forget(name),
      this.deps.policies.delete(name),
      this.deps.leases.clear(name),
      this.deps.leases.clear(compactionLeaseKey(name)),
      this.deps.tasks.start("purge", name),
    ]);
    for (const failed of cleanups.filter((c) => c.status === "rejected")) {
      // Fenced anyway: a record of this incarnation is never read as the next one's.
      logger.warn(
        "could not clean up after a deleted index (housekeeping will purge its objects)",
        {
          index_name: name,
          index_uid: removed.uid,
          error: (failed as PromiseRejectedResult).reason as Error,
        },
      );
    }
  }
}
