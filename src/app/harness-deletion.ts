import { ConflictError } from "../domain/errors";
import type { HarnessInfo } from "../domain/harness";
import type { HarnessService } from "./harness-service";
import type { PolicyStore } from "./ports";

/** What {@link HarnessDeletion} is built from. */
export interface HarnessDeletionDeps {
  readonly harnesses: HarnessService;
  readonly policies: PolicyStore;
}

/**
 * Deleting a harness: its description and query vectors. The trials measured on it stay in the
 * journal as history (they name it); an autotune job already running on it ends with the copy
 * it read or fails with `harness_not_found`. A harness that its index's autotune policy names
 * is kept (409 `harness_in_use`): the policy's next start would fail; change or delete the
 * policy first.
 */
export class HarnessDeletion {
  constructor(private readonly deps: HarnessDeletionDeps) {}

  /**
   * Deletes the harness `name` and answers what it was; 404 `harness_not_found` when there is
   * none, 409 `harness_in_use` when its index's autotune policy names it.
   */
  async delete(name: string): Promise<HarnessInfo> {
    const harness = await this.deps.harnesses.describe(name);
    const policy = await this.deps.policies.get(harness.indexName);
    if (policy?.harness === name) {
      throw new ConflictError(
        "harness_in_use",
        `harness "${name}" is the one the autotune policy of index "${harness.indexName}" tunes on; ` +
          `point the policy at another harness (PUT /vectors/hnsw/autotune/policies/${harness.indexName}) ` +
          "or delete it first",
        { index_name: harness.indexName },
      );
    }
    await this.deps.harnesses.store.delete(name);
    return harness;
  }
}
