import { DIGEST_HEADER_BYTES } from "../domain/id-digest";
import {
  directoryCoverage,
  ID_DIRECTORY_ENTRY_BYTES,
  ID_DIRECTORY_HEADER_BYTES,
} from "../domain/id-directory";
import type { IdDirectoryRef, IndexRecord } from "../domain/index-record";
import type { SegmentRef } from "../domain/segment";
import type { ByteBudget } from "./byte-budget";
import { type DirectoryRun, DirectoryRuns } from "./directory-runs";
import type { Found, HashFile, HashFileReader } from "./hash-file-reader";
import { type SegmentStore, segmentKeys } from "./segment-store";

/**
 * What the indexes' id directories (see `IdDirectoryRef`) answer for an instance, by ranged reads
 * (see {@link HashFileReader}): whether a record's directory can be trusted, which hashes it holds
 * live and at which version, and where a hash sits in a segment's digest.
 */
export class IdLookups {
  /** Per index incarnation, the key of the id directory last read (an older one is dropped). */
  private readonly directoryKeys = new Map<string, string>();
  /** Runs of directories that listings read. */
  private readonly runs: DirectoryRuns;

  /**
   * @param hashes reads directories and digests.
   * @param enabled whether id directories are on (`settings.idDirectories`); off, none is trusted.
   * @param budget the instance's cache budget, which listings' kept runs count in.
   */
  constructor(
    private readonly segments: SegmentStore,
    private readonly hashes: HashFileReader,
    private readonly enabled: boolean,
    budget: ByteBudget,
  ) {
    this.runs = new DirectoryRuns(segments.blobStore, hashes, budget);
  }

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
   * At least `need` entries of `record`'s id directory (one with names: `IdDirectoryRef.names`;
   * fewer at its end), with their names, from the first whose hash is above `after` (from the
   * first when `null`); read `ahead` entries at a time, the last run kept (see
   * {@link DirectoryRuns}).
   */
  directoryRun(
    record: IndexRecord,
    after: bigint | null,
    need: number,
    ahead: number,
  ): Promise<DirectoryRun> {
    const directory = record.idDirectory;
    if (!directory?.names) {
      throw new RangeError(`index "${record.name}" has no id directory with names to list from`);
    }
    const file = this.fileOf(record, directory);
    return this.runs.run(record.uid, directory, file, after, need, ahead);
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
    this.runs.forget(uid);
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
