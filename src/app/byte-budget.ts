import { recordCacheEviction } from "../telemetry";

/** What a warm instance's caches may hold together by default: 1 GiB. */
export const DEFAULT_CACHE_BYTES = 1024 ** 3;

/**
 * Keeps what a warm instance's caches hold (loaded graphs, loaded vectors, tails, manifests, id
 * digests; one entry per
 * cache and index, each of a known size) within one byte budget: past it, the entries used least
 * recently are given up, never the one just held, so an instance that serves many indexes stays
 * within its memory. The caches keep their entries; the budget tracks their sizes and uses, and
 * asks the cache that holds one to give it up.
 */
export class ByteBudget {
  private readonly entries = new Map<
    string,
    { bytes: number; usedAt: number; giveUp?: () => boolean }
  >();
  private uses = 0;

  /** @param maxBytes the most bytes the entries may hold together (default {@link DEFAULT_CACHE_BYTES}). */
  constructor(readonly maxBytes: number = DEFAULT_CACHE_BYTES) {}

  /** Notes a use of `key`: it becomes the most recently used. */
  use(key: string): void {
    const entry = this.entries.get(key);
    if (entry) entry.usedAt = ++this.uses;
    else this.entries.set(key, { bytes: 0, usedAt: ++this.uses });
  }

  /**
   * Notes that a cache now holds `bytes` for `key` (used now), and how to give it up (`giveUp`
   * removes the cache's entry, or returns false when it cannot go now). Then gives up the entries
   * used least recently, other than `key`, while the budget is passed.
   */
  hold(key: string, bytes: number, giveUp: () => boolean): void {
    this.entries.set(key, { bytes, usedAt: ++this.uses, giveUp });
    let total = this.bytes();
    if (total <= this.maxBytes) return;
    const byAge = [...this.entries].sort(([, a], [, b]) => a.usedAt - b.usedAt);
    for (const [other, entry] of byAge) {
      if (total <= this.maxBytes) break;
      if (other === key || entry.bytes === 0 || !entry.giveUp?.()) continue;
      total -= entry.bytes;
      this.entries.delete(other);
      // Keys are `<cache>/<index uid>`.
      recordCacheEviction(other.split("/", 1)[0] as string, entry.bytes);
    }
  }

  /** Forgets `key` (its cache removed the entry itself). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  /** Bytes the entries hold together, or those whose keys start with `prefix`. */
  bytes(prefix = ""): number {
    let total = 0;
    for (const [key, entry] of this.entries) if (key.startsWith(prefix)) total += entry.bytes;
    return total;
  }
}
