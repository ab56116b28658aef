import type { IndexRecord } from "../domain/index-record";
import type { LoadedIndex } from "../domain/loaded-index";
import { ByteBudget } from "./byte-budget";

/** About what a loaded index holds: its values and norms, and per row its id, version and slots. */
export function loadedBytes(loaded: LoadedIndex): number {
  return loaded.data.byteLength + loaded.rows * 96;
}

/** The budget's key prefix of loaded vectors. */
const VECTORS = "vectors/";

/**
 * The live vectors of each index a warm instance has loaded, one version per index (the one
 * last asked for); concurrent callers share one load. They share the instance's budget with its
 * other caches (see {@link loadedBytes}): past it, the indexes used least recently give theirs
 * up, and load again when next asked for.
 */
export class LoadedIndexes {
  private readonly loads = new Map<string, { version: number; loading: Promise<LoadedIndex> }>();

  /**
   * @param read loads the live vectors of a record's version.
   * @param budget shared with the instance's other caches (default: a budget of its own).
   */
  constructor(
    private readonly read: (record: IndexRecord) => Promise<LoadedIndex>,
    private readonly budget: ByteBudget = new ByteBudget(),
  ) {}

  /** The live vectors of `record`'s version, loaded once while kept. */
  get(record: IndexRecord): Promise<LoadedIndex> {
    this.budget.use(VECTORS + record.uid);
    const cached = this.loads.get(record.uid);
    if (cached && cached.version === record.dataVersion) return cached.loading;
    const loading = this.read(record);
    const entry = { version: record.dataVersion, loading };
    this.loads.set(record.uid, entry);
    loading.then(
      (loaded) => {
        if (this.loads.get(record.uid) !== entry) return;
        this.budget.hold(VECTORS + record.uid, loadedBytes(loaded), () =>
          this.loads.delete(record.uid),
        );
      },
      () => {
        if (this.loads.get(record.uid) === entry) this.loads.delete(record.uid);
      },
    );
    return loading;
  }

  /** Drops what is kept of an index (deleted). */
  forget(uid: string): void {
    this.loads.delete(uid);
    this.budget.forget(VECTORS + uid);
  }

  /** Drops everything kept (a cold instance, in tests). */
  clear(): void {
    for (const uid of [...this.loads.keys()]) this.forget(uid);
  }

  /** Bytes of the loaded vectors kept (for tests and metrics). */
  keptBytes(): number {
    return this.budget.bytes(VECTORS);
  }
}
