import { rm, stat } from "node:fs/promises";

/** How many graph files a {@link GraphFileCache} keeps. */
export interface GraphFileCacheOptions {
  /**
   * Bytes the idle files kept may take in all (default 0: only the file kept last stays while
   * idle, and it goes too before work that needs disk for another graph). More keeps the graphs
   * of several generations (of several indexes), the ones used least recently going first.
   */
  readonly keepBytes?: number;
}

/** A kept file. */
interface KeptFile {
  readonly path: string;
  readonly bytes: number;
  /** Uses in progress (see {@link GraphFileCache.acquire}). */
  users: number;
  /** Whether it goes as soon as it is idle (see {@link GraphFileCache.retire}). */
  retired: boolean;
}

/**
 * The graph files this process wrote last, kept on local disk (`/tmp` on Lambda) under their
 * object keys: the next catch-up of one of those generations on a warm instance reads it instead
 * of downloading it again. Keys name immutable objects (each generation gets a new key), so a
 * kept file is always the object's content.
 *
 * Disk stays within the sizing rule of two graphs (the input and the output of a catch-up) plus
 * `keepBytes`: idle files stay while they fit it, the one kept last whatever its size; before new
 * work downloads or writes a graph, idle files go until they fit it (all of them by default).
 * Files in use are never removed.
 */
export class GraphFileCache {
  /** Least recently used first. */
  private readonly files = new Map<string, KeptFile>();
  /** The key kept last: the one file that stays once idle even past the budget. */
  private latest: string | undefined;
  private readonly budget: number;

  constructor(options: GraphFileCacheOptions = {}) {
    this.budget = options.keepBytes ?? 0;
  }

  /** The local path of `key`'s graph, reserved until {@link release}; undefined if not kept. */
  acquire(key: string): string | undefined {
    const file = this.files.get(key);
    if (!file || file.retired) return undefined;
    file.users++;
    // Used last now.
    this.files.delete(key);
    this.files.set(key, file);
    return file.path;
  }

  /** Ends a use; the file stays once idle if it fits (see the class). */
  async release(key: string): Promise<void> {
    const file = this.files.get(key);
    if (!file) return;
    file.users = Math.max(0, file.users - 1);
    await this.evict(true);
  }

  /**
   * Lets `key`'s file go once idle (now, if it is): a generation superseded on this instance,
   * whose graph no catch-up will start from again.
   */
  async retire(key: string): Promise<void> {
    const file = this.files.get(key);
    if (!file) return;
    file.retired = true;
    await this.evict(true);
  }

  /**
   * Removes idle files, least recently used first, until they fit the budget (before work that
   * needs disk for a graph).
   */
  async trim(): Promise<void> {
    await this.evict(false);
  }

  /**
   * Keeps the file at `path` (now owned by the cache) as `key`'s graph, used last; idle files
   * that no longer fit beside it go. An idle file kept before under the same key (the same graph)
   * is removed.
   */
  async keep(key: string, path: string): Promise<void> {
    const before = this.files.get(key);
    const { size } = await stat(path);
    this.files.delete(key);
    this.files.set(key, { path, bytes: size, users: 0, retired: false });
    if (before && before.path !== path && before.users === 0)
      await rm(before.path, { force: true });
    this.latest = key;
    await this.evict(true);
  }

  /** Removes every idle file (tests, shutdown). */
  async clear(): Promise<void> {
    for (const [key, file] of [...this.files]) {
      if (file.users === 0) await this.remove(key, file);
    }
  }

  /** Keys kept, least recently used first (for tests). */
  keys(): string[] {
    return [...this.files.keys()];
  }

  /** Removes retired idle files, then idle ones least recently used first until they fit. */
  private async evict(keepLatest: boolean): Promise<void> {
    let idle = 0;
    for (const [key, file] of [...this.files]) {
      if (file.users > 0) continue;
      if (file.retired) await this.remove(key, file);
      else idle += file.bytes;
    }
    for (const [key, file] of [...this.files]) {
      if (idle <= this.budget) return;
      if (file.users > 0 || (keepLatest && key === this.latest)) continue;
      await this.remove(key, file);
      idle -= file.bytes;
    }
  }

  private async remove(key: string, file: KeptFile): Promise<void> {
    if (this.files.get(key) === file) this.files.delete(key);
    await rm(file.path, { force: true });
  }
}
