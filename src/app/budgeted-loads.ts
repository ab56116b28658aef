import type { ByteBudget } from "./byte-budget";

/**
 * Loads a warm instance keeps per index (one per index: the one last asked for, told apart by a
 * `key` such as its data version), accounted in a {@link ByteBudget} shared with the instance's
 * other caches: concurrent callers share one load; a failed load is dropped; past the budget,
 * the indexes used least recently give theirs up, and load again when next asked for.
 */
export class BudgetedLoads<T> {
  private readonly loads = new Map<string, { key: string; loading: Promise<T> }>();

  /**
   * @param budget shared with the instance's other caches.
   * @param cache this cache's name in the budget (its keys are `<cache>/<index uid>`).
   * @param bytesOf about what a load of index `uid` holds.
   * @param onForget drops whatever else the cache keeps for an index given up or forgotten.
   */
  constructor(
    private readonly budget: ByteBudget,
    private readonly cache: string,
    private readonly bytesOf: (uid: string, value: T) => number,
    private readonly onForget: (uid: string) => void = () => undefined,
  ) {}

  /** Index `uid`'s load for `key`: the kept one, or `load()` (replacing any other key's). */
  get(uid: string, key: string, load: () => Promise<T>): Promise<T> {
    this.budget.use(this.budgetKey(uid));
    const cached = this.loads.get(uid);
    if (cached?.key === key) return cached.loading;
    const loading = load();
    const entry = { key, loading };
    this.loads.set(uid, entry);
    loading.then(
      (value) => {
        if (this.loads.get(uid) !== entry) return;
        this.budget.hold(this.budgetKey(uid), this.bytesOf(uid, value), () => {
          this.loads.delete(uid);
          this.onForget(uid);
          return true;
        });
      },
      () => {
        if (this.loads.get(uid) === entry) this.loads.delete(uid);
      },
    );
    return loading;
  }

  /** Index `uid`'s kept load for `key` (done or in flight), without loading; `undefined` if none. */
  peek(uid: string, key: string): Promise<T> | undefined {
    const cached = this.loads.get(uid);
    if (cached?.key !== key) return undefined;
    this.budget.use(this.budgetKey(uid));
    return cached.loading;
  }

  /** Drops what is kept of index `uid` (deleted). */
  forget(uid: string): void {
    this.loads.delete(uid);
    this.budget.forget(this.budgetKey(uid));
    this.onForget(uid);
  }

  /** Drops everything kept (a cold instance, in tests). */
  clear(): void {
    for (const uid of [...this.loads.keys()]) this.forget(uid);
  }

  /** Bytes this cache's loads hold (for tests and metrics). */
  keptBytes(): number {
    return this.budget.bytes(`${this.cache}/`);
  }

  private budgetKey(uid: string): string {
    return `${this.cache}/${uid}`;
  }
}
