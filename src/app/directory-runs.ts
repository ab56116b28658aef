import { firstAbove } from "../domain/id-digest";
import {
  decodeHashEntries,
  ID_DIRECTORY_ENTRY_BYTES,
  idDirectoryLayout,
} from "../domain/id-directory";
import type { IdDirectoryRef } from "../domain/index-record";
import { decodeNames, decodeNamesIndex, namesBlocks, namesSpan } from "../domain/name-list";
import { ByteBudget } from "./byte-budget";
import type { HashFile, HashFileReader } from "./hash-file-reader";
import type { BlobStore } from "./ports";
import { MissingSegmentError } from "./segment-store";

/** A run of an id directory's entries and their names (see {@link DirectoryRuns.run}). */
export interface DirectoryRun {
  /** The position of its first entry. */
  readonly start: number;
  /** Its entries' hashes, ascending. */
  readonly hashes: BigUint64Array;
  /** Their ids, in the same order. */
  readonly names: readonly string[];
  /** Whether it ends where the directory does. */
  readonly atEnd: boolean;
}

/**
 * Runs of indexes' id directories (with names: `IdDirectoryRef.names`) for id listings, by ranged
 * reads: a probe for where a run starts, then its entries and the block index of their names at
 * once, then the names. A run is read past what a page needs (`ahead` entries) and the last one
 * read of each index is kept, within the instance's byte budget (cache `runs`), so the pages that
 * follow in a listing read nothing until they pass its end.
 */
export class DirectoryRuns {
  /** Index incarnation -> the run last read of its directory, and that directory's key. */
  private readonly kept = new Map<string, DirectoryRun & { readonly key: string }>();

  constructor(
    private readonly blobs: BlobStore,
    private readonly hashes: HashFileReader,
    private readonly budget: ByteBudget = new ByteBudget(),
  ) {}

  /**
   * At least `need` entries (fewer at the directory's end) of `directory` (that of index
   * incarnation `uid`, as `file`) from the first whose hash is above `after` (from the first when
   * `null`): from the run kept, or read with `ahead` entries in all. Throws `MissingSegmentError`
   * when the directory is gone (replaced, and swept since).
   */
  async run(
    uid: string,
    directory: IdDirectoryRef,
    file: HashFile,
    after: bigint | null,
    need: number,
    ahead: number,
  ): Promise<DirectoryRun> {
    const kept = this.kept.get(uid);
    if (kept?.key === directory.key) {
      const from = startIn(kept, after);
      if (from !== undefined && (kept.atEnd || kept.hashes.length - from >= need)) {
        this.budget.use(`runs/${uid}`);
        return {
          start: kept.start + from,
          hashes: kept.hashes.subarray(from),
          names: kept.names.slice(from),
          atEnd: kept.atEnd,
        };
      }
    }
    const start = after === null ? 0 : await this.hashes.above(uid, file, after);
    const run = await this.read(directory, start, Math.max(need, ahead));
    this.kept.set(uid, { ...run, key: directory.key });
    const nameBytes = run.names.reduce((n, name) => n + 2 * name.length, 0);
    this.budget.hold(`runs/${uid}`, 8 * run.hashes.length + nameBytes, () => {
      this.kept.delete(uid);
      return true;
    });
    return run;
  }

  /** Forgets an index incarnation (deleted). */
  forget(uid: string): void {
    this.kept.delete(uid);
    this.budget.forget(`runs/${uid}`);
  }

  /** `count` entries of `directory` from position `start` (fewer at its end), with their names. */
  private async read(directory: IdDirectoryRef, start: number, count: number) {
    const end = Math.min(start + count, directory.live);
    const layout = idDirectoryLayout(directory.live);
    const entry = (p: number) => layout.entries.start + ID_DIRECTORY_ENTRY_BYTES * p;
    // The block index slots around [start, end), then the names between them.
    const blocks = namesBlocks(start, end);
    const [entries, index] = await Promise.all([
      this.blobs.getRange(directory.key, entry(start), entry(end)),
      this.blobs.getRange(
        directory.key,
        layout.index.start + 8 * blocks.first,
        layout.index.start + 8 * (blocks.last + 1),
      ),
    ]);
    const gone = () => new MissingSegmentError(`id directory ${directory.key} is missing or short`);
    if (!entries || entries.byteLength !== entry(end) - entry(start)) throw gone();
    if (!index || index.byteLength !== 8 * (blocks.last - blocks.first + 1)) throw gone();
    const { span, first } = namesSpan(
      decodeNamesIndex(index),
      layout.namesStart,
      start,
      end,
      blocks.first,
    );
    const bytes = await this.blobs.getRange(directory.key, span.start, span.end);
    if (!bytes) throw gone();
    const names = decodeNames(bytes).slice(start - first, end - first);
    if (names.length !== end - start) throw gone();
    return {
      start,
      hashes: decodeHashEntries(entries, ID_DIRECTORY_ENTRY_BYTES).hashes,
      names,
      atEnd: end === directory.live,
    };
  }
}

/**
 * Where a page after `after` starts in `run` (an offset into it), when the run settles it: the
 * first page needs the run to start the directory; a later one, `after` among the run's hashes
 * (entries before the run hold smaller ones), or past them in a run that ends the directory.
 */
function startIn(run: DirectoryRun, after: bigint | null): number | undefined {
  if (after === null) return run.start === 0 ? 0 : undefined;
  const first = run.hashes[0];
  const last = run.hashes[run.hashes.length - 1];
  if (first === undefined || last === undefined) return undefined;
  if (after < first) return run.start === 0 ? 0 : undefined;
  if (after >= last) return run.atEnd ? run.hashes.length : undefined;
  return firstAbove(run.hashes, after);
}
