import { DIGEST_HEADER_BYTES } from "../domain/id-digest";
import {
  decodeHashEntries,
  directoryCoverage,
  ID_DIRECTORY_ENTRY_BYTES,
  ID_DIRECTORY_HEADER_BYTES,
  idDirectoryLayout,
} from "../domain/id-directory";
import type { IdDirectoryRef, IndexRecord } from "../domain/index-record";
import { decodeNames, decodeNamesIndex, NAMES_BLOCK } from "../domain/name-list";
import type { SegmentRef } from "../domain/segment";
import type { Found, HashFile, HashFileReader } from "./hash-file-reader";
import { MissingSegmentError, type SegmentStore, segmentKeys } from "./segment-store";

/** A run of an id directory's entries (see {@link IdLookups.directoryRun}). */
export interface DirectoryRun {
  /** The position of its first entry. */
  readonly start: number;
  /** Its entries' hashes, ascending. */
  readonly hashes: BigUint64Array;
  /** Whether it ends where the directory does. */
  readonly atEnd: boolean;
  /** The names of its entries `[from, to)` (positions in the directory), by one ranged read. */
  names(from: number, to: number): Promise<string[]>;
}

/**
 * What the indexes' id directories (see `IdDirectoryRef`) answer for an instance, by ranged reads
 * (see {@link HashFileReader}): whether a record's directory can be trusted, which hashes it holds
 * live and at which version, and where a hash sits in a segment's digest.
 */
export class IdLookups {
  /** Per index incarnation, the key of the id directory last read (an older one is dropped). */
  private readonly directoryKeys = new Map<string, string>();

  /**
   * @param hashes reads directories and digests.
   * @param enabled whether id directories are on (`settings.idDirectories`); off, none is trusted.
   */
  constructor(
    private readonly segments: SegmentStore,
    private readonly hashes: HashFileReader,
    private readonly enabled: boolean,
  ) {}

  /** Where `record`'s id directory stands (see `directoryCoverage`); `null` when they are off. */
  coverage(record: IndexRecord): { readonly uncoveredFrom: number } | null {
    return this.enabled ? directoryCoverage(record) : null;
  }

  /** Which of `hashes` `record`'s id directory holds (live as of its version), and their versions. */
  async inDirectory(record: IndexRecord, hashes: readonly bigint[]): Promise<Map<bigint, Found>> {
    const directory = record.idDirectory;
    if (!directory || hashes.length === 0) return new Map();
    return this.hashes.find(record.uid, this.fileOf(record, directory), hashes);
  }

  /** `record`'s id directory as a {@link HashFile}, forgetting what was read of the one before. */
  private fileOf(record: IndexRecord, directory: IdDirectoryRef): HashFile {
    const previous = this.directoryKeys.get(record.uid);
    if (previous !== directory.key) {
      if (previous) this.hashes.drop(previous);
      this.directoryKeys.set(record.uid, directory.key);
    }
    return directoryFile(directory);
  }

  /**
   * Up to `count` entries of `record`'s id directory (one with names: `IdDirectoryRef.names`)
   * from the first whose hash is above `after` (from the first when `null`), by ranged reads: a
   * probe for where they start, then the entries and the block index of their names at once.
   * Throws `MissingSegmentError` when the directory is gone (replaced, and swept since).
   */
  async directoryRun(
    record: IndexRecord,
    after: bigint | null,
    count: number,
  ): Promise<DirectoryRun> {
    const directory = record.idDirectory;
    if (!directory?.names) {
      throw new RangeError(`index "${record.name}" has no id directory with names to list from`);
    }
    const blobs = this.segments.blobStore;
    const file = this.fileOf(record, directory);
    const start = after === null ? 0 : await this.hashes.above(record.uid, file, after);
    const end = Math.min(start + count, directory.live);
    const layout = idDirectoryLayout(directory.live);
    const entry = (p: number) => layout.entries.start + ID_DIRECTORY_ENTRY_BYTES * p;
    // Block index slots around [start, end): where the names of the first and last blocks start.
    const firstBlock = Math.floor(start / NAMES_BLOCK);
    const lastBlock = Math.ceil(end / NAMES_BLOCK);
    const [entries, index] = await Promise.all([
      blobs.getRange(directory.key, entry(start), entry(end)),
      blobs.getRange(
        directory.key,
        layout.index.start + 8 * firstBlock,
        layout.index.start + 8 * (lastBlock + 1),
      ),
    ]);
    const gone = () => new MissingSegmentError(`id directory ${directory.key} is missing or short`);
    if (!entries || entries.byteLength !== entry(end) - entry(start)) throw gone();
    if (!index || index.byteLength !== 8 * (lastBlock - firstBlock + 1)) throw gone();
    const offsets = decodeNamesIndex(index);
    return {
      start,
      hashes: decodeHashEntries(entries, ID_DIRECTORY_ENTRY_BYTES).hashes,
      atEnd: end === directory.live,
      names: async (from, to) => {
        if (from < start || to > end || from >= to) {
          throw new RangeError(`names ${from}–${to} asked of a run of entries ${start}–${end}`);
        }
        const a = Math.floor(from / NAMES_BLOCK);
        const b = Math.ceil(to / NAMES_BLOCK);
        const bytes = await blobs.getRange(
          directory.key,
          layout.namesStart + (offsets[a - firstBlock] as number),
          layout.namesStart + (offsets[b - firstBlock] as number),
        );
        if (!bytes) throw gone();
        const names = decodeNames(bytes);
        return names.slice(from - a * NAMES_BLOCK, to - a * NAMES_BLOCK);
      },
    };
  }

  /**
   * Hash `h`'s position among segment `ref`'s upserted hashes (its segment directory's entry), by
   * ranged reads of its digest; -1 for a segment without a directory (its manifest answers) or
   * when the digest does not hold it.
   */
  async positionIn(record: IndexRecord, ref: SegmentRef, h: bigint): Promise<number> {
    if (!this.segments.hasDirectory(record, ref)) return -1;
    const file: HashFile = {
      key: segmentKeys(record, ref.id).digest,
      count: ref.vectors,
      headerBytes: DIGEST_HEADER_BYTES,
      entryBytes: 8,
    };
    return (await this.hashes.find(record.uid, file, [h])).get(h)?.position ?? -1;
  }

  /** Forgets an index incarnation (deleted). */
  forget(uid: string): void {
    this.hashes.forget(uid);
    this.directoryKeys.delete(uid);
  }
}

/** The {@link HashFile} of an id directory. */
function directoryFile(directory: IdDirectoryRef): HashFile {
  return {
    key: directory.key,
    count: directory.live,
    headerBytes: ID_DIRECTORY_HEADER_BYTES,
    entryBytes: ID_DIRECTORY_ENTRY_BYTES,
  };
}
