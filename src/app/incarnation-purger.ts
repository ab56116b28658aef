import pLimit from "p-limit";
import { INDEXES_PREFIX, incarnationParents, SNAPSHOTS_PREFIX } from "../../infra/storage";
import { logger } from "../logger";
import type { BlobStore, IndexCatalog } from "./ports";

/** How many index names {@link IncarnationPurger.withDeadIncarnations} checks at once. */
const CHECK_CONCURRENCY = 16;

/**
 * Removes the objects of index incarnations the catalog no longer holds: an index deleted (its
 * catalog record goes first, in the request; its objects here, in the `purge` task), or one
 * whose deletion crashed or could not start its task. An incarnation is dead for good once its
 * record is gone (a re-created index gets a new uid), and nothing is written under a uid before
 * its record exists, so listing first and reading the catalog after never removes a live one.
 */
export class IncarnationPurger {
  constructor(
    private readonly deps: { readonly catalog: IndexCatalog; readonly blobs: BlobStore },
  ) {}

  /** Removes every dead incarnation of index `name`; how many objects it removed. */
  async purge(name: string): Promise<number> {
    const dead = await this.deadOf(name);
    let removed = 0;
    for (const uid of dead) {
      for (const parent of incarnationParents(name)) {
        removed += await this.deps.blobs.deletePrefix(`${parent}${uid}/`);
      }
    }
    if (removed > 0) logger.info("purged dead incarnations", { index_name: name, dead, removed });
    return removed;
  }

  /**
   * The names of indexes with objects of a dead incarnation in the bucket (deleted indexes whose
   * objects are left, re-created ones with an old incarnation's): the ones to purge.
   */
  async withDeadIncarnations(): Promise<string[]> {
    const { blobs } = this.deps;
    const names = new Set([
      ...(await blobs.listChildren(INDEXES_PREFIX)),
      ...(await blobs.listChildren(SNAPSHOTS_PREFIX)),
    ]);
    const limit = pLimit(CHECK_CONCURRENCY);
    const checked = await Promise.all(
      [...names].sort().map((name) =>
        limit(async () => {
          const dead = await this.deadOf(name);
          return dead.length > 0 ? [name] : [];
        }),
      ),
    );
    return checked.flat();
  }

  /**
   * The uids with objects under index `name`'s prefixes that the catalog does not hold as live:
   * listed first, then the catalog read, so an index created meanwhile is never among them.
   */
  private async deadOf(name: string): Promise<string[]> {
    const { blobs, catalog } = this.deps;
    const lists = await Promise.all(incarnationParents(name).map((p) => blobs.listChildren(p)));
    const listed = new Set(lists.flat());
    if (listed.size === 0) return [];
    const live = (await catalog.get(name))?.uid;
    return [...listed].filter((uid) => uid !== live).sort();
  }
}
