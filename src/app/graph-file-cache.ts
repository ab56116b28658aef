import { rm } from "node:fs/promises";

/**
 * The graph file this process wrote last, kept on local disk (`/tmp` on Lambda) under its
 * object key: the next catch-up of that generation on a warm instance reads it instead of
 * downloading it again. Keys name immutable objects (each generation gets a new key), so a kept
 * file is always the object's content.
 *
 * Disk stays within the sizing rule of two graphs (the input and the output of a catch-up):
 * at most one file is kept while idle, and any other idle file is removed before new work
 * downloads or writes one. Files in use are never removed.
 */
export class GraphFileCache {
  private readonly files = new Map<string, { path: string; users: number }>();
  /** The key kept last: the one file that stays once idle. */
  private latest: string | undefined;

  /** The local path of `key`'s graph, reserved until {@link release}; undefined if not kept. */
  acquire(key: string): string | undefined {
    const file = this.files.get(key);
    if (!file) return undefined;
    file.users++;
    return file.path;
  }

  /** Ends a use; a file that is no longer the latest goes once idle. */
  async release(key: string): Promise<void> {
    const file = this.files.get(key);
    if (!file) return;
    file.users = Math.max(0, file.users - 1);
    if (file.users === 0 && key !== this.latest) {
      this.files.delete(key);
      await rm(file.path, { force: true });
    }
  }

  /** Removes the idle files other than `keep` (before work that needs disk for a graph). */
  async trim(keep?: string): Promise<void> {
    for (const [key, file] of [...this.files]) {
      if (key === keep || file.users > 0) continue;
      this.files.delete(key);
      await rm(file.path, { force: true });
    }
  }

  /**
   * Keeps the file at `path` (now owned by the cache) as `key`'s graph; trims the others. An idle
   * file kept before under the same key (the same graph) is removed.
   */
  async keep(key: string, path: string): Promise<void> {
    const before = this.files.get(key);
    this.files.set(key, { path, users: 0 });
    if (before && before.path !== path && before.users === 0)
      await rm(before.path, { force: true });
    this.latest = key;
    await this.trim(key);
  }

  /** Removes every idle file (tests, shutdown). */
  async clear(): Promise<void> {
    await this.trim();
  }

  /** Keys kept (for tests). */
  keys(): string[] {
    return [...this.files.keys()];
  }
}
