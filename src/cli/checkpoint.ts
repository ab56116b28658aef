import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where import checkpoints live: `VECTORD_CACHE_DIR`, else `~/.cache/vectord`. */
export function cacheDir(): string {
  return (
    process.env.VECTORD_CACHE_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "vectord")
  );
}

/**
 * The batches of one import already applied, kept on disk so that an interrupted import (killed,
 * network lost) resumes where it stopped. It is keyed by the endpoint, index, file (path, size,
 * modification time), id prefix and batch size: a changed file starts over. Removed when the
 * import completes.
 */
export class ImportCheckpoint {
  private readonly done = new Set<number>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(readonly path: string) {}

  /** The checkpoint of `key`'s import: the batches an interrupted run applied, or none. */
  static async open(key: {
    endpoint: string;
    index: string;
    file: string;
    prefix: string;
    batchSize: number;
  }): Promise<ImportCheckpoint> {
    const file = resolve(key.file);
    const { size, mtimeMs } = await stat(file);
    const hash = createHash("sha256")
      .update(
        JSON.stringify([key.endpoint, key.index, file, size, mtimeMs, key.prefix, key.batchSize]),
      )
      .digest("hex")
      .slice(0, 32);
    const dir = join(cacheDir(), "imports");
    await mkdir(dir, { recursive: true });
    const checkpoint = new ImportCheckpoint(join(dir, `${hash}.json`));
    try {
      const saved = JSON.parse(await readFile(checkpoint.path, "utf8")) as { done: number[] };
      for (const first of saved.done) checkpoint.done.add(first);
    } catch {
      // none yet (or unreadable: start over; every batch is an idempotent upsert anyway)
    }
    return checkpoint;
  }

  /** Batches (by first row) applied before this run. */
  get size(): number {
    return this.done.size;
  }

  /** Whether the batch starting at row `first` was applied. */
  has(first: number): boolean {
    return this.done.has(first);
  }

  /** Records a batch as applied (written atomically: a crash leaves the old or the new list). */
  async add(first: number): Promise<void> {
    this.done.add(first);
    const text = JSON.stringify({ done: [...this.done] });
    this.writing = this.writing.then(async () => {
      await writeFile(`${this.path}.tmp`, text);
      await rename(`${this.path}.tmp`, this.path);
    });
    await this.writing;
  }

  /** The import completed: forget it. */
  async remove(): Promise<void> {
    await this.writing;
    await rm(this.path, { force: true });
  }
}
