import type { IndexRecord } from "../domain/index-record";
import type { LoadedIndex } from "../domain/loaded-index";
import { ByteBudget } from "./byte-budget";

/** Loaded vectors a warm instance keeps across indexes by default: 512 MiB. */
export const DEFAULT_LOAD_CACHE_BYTES = 512 * 1024 ** 2;

/** About what a loaded index holds: its values and norms, and per row its id, version and slots. */
export function loadedBytes(loaded: LoadedIndex): number {
  return loaded.data.byteLength + loaded.rows * 96;
}

/**
 * The live vectors of each index a warm instance has loaded, one version per index (the one
 * last asked for); concurrent callers share one load. Past `maxBytes` (see {@link loadedBytes}),
 * the indexes asked for least recently give theirs up, and load again when next asked for.
 */
export class LoadedIndexes {
  private readonly loads = new Map<string, { version: number; loading: Promise<LoadedIndex> }>();
  private readonly budget: ByteBudget<string>;

  /**
   * @param read loads the live vectors of a record's version.
   * @param maxBytes default {@link DEFAULT_LOAD_CACHE_BYTES}.
   */
  constructor(
    private readonly read: (record: IndexRecord) => Promise<LoadedIndex>,
    maxBytes = DEFAULT_LOAD_CACHE_BYTES,
  ) {
    this.budget = new ByteBudget(maxBytes, (uid) => this.loads.delete(uid));
  }

  /** The live vectors of `record`'s version, loaded once while kept. */
  get(record: IndexRecord): Promise<LoadedIndex> {
    this.budget.use(record.uid);
    const cached = this.loads.get(record.uid);
    if (cached && cached.version === record.dataVersion) return cached.loading;
    const loading = this.read(record);
    const entry = { version: record.dataVersion, loading };
    this.loads.set(record.uid, entry);
    loading.then(
      (loaded) => {
        if (this.loads.get(record.uid) === entry) this.budget.hold(record.uid, loadedBytes(loaded));
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
    this.budget.forget(uid);
  }

  /** Drops everything kept (a cold instance, in tests). */
  clear(): void {
    for (const uid of [...this.loads.keys()]) this.forget(uid);
  }

  /** Bytes of the loaded vectors kept (for tests and metrics). */
  keptBytes(): number {
    return this.budget.bytes();
  }
}
