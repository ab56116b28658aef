/**
 * Keeps what a warm instance's cache holds (one entry per key, each of a known size) within a
 * byte budget: past it, the entries used least recently are given up, never the one just held,
 * so an instance that serves many indexes stays within its memory. The cache keeps its entries;
 * the budget only tracks their sizes and uses, and asks the cache to give one up.
 */
export class ByteBudget<K> {
  private readonly entries = new Map<K, { bytes: number; usedAt: number }>();
  private uses = 0;

  /**
   * @param maxBytes the most bytes the cache's entries may hold together.
   * @param giveUp removes the cache's entry for a key; returns false when it cannot go now (the
   *   cache is still filling it), and it stays.
   */
  constructor(
    readonly maxBytes: number,
    private readonly giveUp: (key: K) => boolean,
  ) {}

  /** Notes a use of `key`: it becomes the most recently used. */
  use(key: K): void {
    const entry = this.entries.get(key);
    if (entry) entry.usedAt = ++this.uses;
    else this.entries.set(key, { bytes: 0, usedAt: ++this.uses });
  }

  /**
   * Notes that the cache now holds `bytes` for `key` (used now), then gives up the entries used
   * least recently, other than `key`, while the budget is passed.
   */
  hold(key: K, bytes: number): void {
    this.entries.set(key, { bytes, usedAt: ++this.uses });
    let total = this.bytes();
    if (total <= this.maxBytes) return;
    const byAge = [...this.entries].sort(([, a], [, b]) => a.usedAt - b.usedAt);
    for (const [other, entry] of byAge) {
      if (total <= this.maxBytes) break;
      if (other === key || entry.bytes === 0 || !this.giveUp(other)) continue;
      total -= entry.bytes;
      this.entries.delete(other);
    }
  }

  /** Forgets `key` (the cache removed its entry itself). */
  forget(key: K): void {
    this.entries.delete(key);
  }

  /** Bytes the cache's entries hold together. */
  bytes(): number {
    let total = 0;
    for (const entry of this.entries.values()) total += entry.bytes;
    return total;
  }
}
