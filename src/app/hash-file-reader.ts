import pLimit from "p-limit";
import { PROBE_CHUNK, probeAbove, probeSorted, type ReadChunks } from "../domain/hash-probe";
import { decodeHashEntries } from "../domain/id-directory";
import { ByteBudget } from "./byte-budget";
import type { BlobStore } from "./ports";
import { MissingSegmentError } from "./segment-store";

/** Ranged reads one lookup makes at once. */
const READ_CONCURRENCY = 16;

/** Ranged reads a probe of one hash makes, about (2 in a list of a million hashes). */
const READS_PER_HASH = 2;

/**
 * What one ranged read costs, in bytes of reading a whole object: on the local stack, a new
 * instance's write of 60 new ids probed an id directory of a million (about 120 ranged reads, 16
 * at once) in 158 ms, and read all 11.5 MiB of it in 130 ms (`npm run bench -- id-directory`):
 * about 110 KiB a read. S3's first-byte latency (tens of milliseconds) is of the same order.
 */
export const RANGED_READ_BYTES = 128 * 1024;

/**
 * A stored list of fixed-size entries sorted by the 64-bit hash each starts with: an index's id
 * directory (12-byte entries: the hash, then the data version that last upserted it) or a segment's
 * id digest (8-byte entries: the hash; its upserted list comes first).
 */
export interface HashFile {
  /** The object's key. */
  readonly key: string;
  /** Entries to search (from the first). */
  readonly count: number;
  /** Bytes before the first entry. */
  readonly headerBytes: number;
  /** Bytes of one entry: the hash (u64, little-endian), then with 12 a version (u32). */
  readonly entryBytes: 8 | 12;
}

/** Where a hash is in a {@link HashFile}, and its version (0 for 8-byte entries). */
export interface Found {
  /** Its position among the file's entries (one of them, should it be there twice). */
  readonly position: number;
  /** The entry's version (id directories), or 0 (digests). */
  readonly version: number;
}

/**
 * Looks hashes up in {@link HashFile}s by ranged reads of a few 512-byte chunks per hash (see
 * {@link probeSorted}), so the cost of a lookup does not grow with the file's size: what a new
 * instance's writes and reads by id ask of an index's id directory and of its segments' digests.
 * A lookup of so many hashes that their round trips would cost more than reading the file whole
 * reads it whole instead. A warm instance keeps what it read (chunks, or whole files) within its
 * byte budget (cache `hashes`, one entry per index).
 */
export class HashFileReader {
  /** File key -> what this instance read of it. */
  private readonly kept = new Map<string, Kept>();
  private readonly rangedReadBytes: number;

  /**
   * @param budget the instance's cache budget (default: a budget of its own).
   * @param options.rangedReadBytes what one ranged read costs, in bytes of a whole read (default
   *   {@link RANGED_READ_BYTES}, 128 KiB): with `h` hashes asked of a file of `b` bytes, it is read
   *   whole once `h × 2 × rangedReadBytes ≥ b`.
   */
  constructor(
    private readonly blobs: BlobStore,
    private readonly budget: ByteBudget = new ByteBudget(),
    { rangedReadBytes = RANGED_READ_BYTES }: { rangedReadBytes?: number } = {},
  ) {
    this.rangedReadBytes = rangedReadBytes;
  }

  /**
   * Where each of `hashes` that `file` (of index incarnation `uid`) holds is, and its version.
   * Throws `MissingSegmentError` when the file is gone (replaced, and swept since): the caller
   * reads a fresh record.
   */
  async find(uid: string, file: HashFile, hashes: readonly bigint[]): Promise<Map<bigint, Found>> {
    const kept = this.keptOf(uid, file);
    const bytes = file.count * file.entryBytes;
    if (!kept.whole && hashes.length * READS_PER_HASH * this.rangedReadBytes >= bytes) {
      kept.whole = await this.readWhole(file);
      kept.chunks.clear();
    }
    const found = await probeSorted(file.count, hashes, this.readerOf(file, kept));
    this.account(uid);
    const out = new Map<bigint, Found>();
    for (const [h, position] of found) {
      out.set(h, { position, version: versionAt(kept, position) });
    }
    return out;
  }

  /**
   * The position of the first entry of `file` (of index incarnation `uid`) whose hash is above
   * `h` (`file.count` when none is), by ranged reads as {@link find} makes them. Throws
   * `MissingSegmentError` when the file is gone.
   */
  async above(uid: string, file: HashFile, h: bigint): Promise<number> {
    const at = await probeAbove(file.count, h, this.readerOf(file, this.keptOf(uid, file)));
    this.account(uid);
    return at;
  }

  /** Forgets what was read of file `key` (replaced). */
  drop(key: string): void {
    const kept = this.kept.get(key);
    if (!kept) return;
    this.kept.delete(key);
    this.account(kept.uid);
  }

  /** Forgets the files of an index incarnation (deleted). */
  forget(uid: string): void {
    for (const [key, kept] of this.kept) if (kept.uid === uid) this.kept.delete(key);
    this.budget.forget(`hashes/${uid}`);
  }

  /** What this instance read of `file`: an entry made for it if it read nothing yet. */
  private keptOf(uid: string, file: HashFile): Kept {
    let kept = this.kept.get(file.key);
    if (!kept) {
      kept = { uid, entryBytes: file.entryBytes, chunks: new Map() };
      this.kept.set(file.key, kept);
    }
    return kept;
  }

  /** Reads chunks of `file`: from its entries when kept whole, else kept or read ranges. */
  private readerOf(file: HashFile, kept: Kept): ReadChunks {
    const entries = kept.whole;
    return entries
      ? async (chunks) => sliced(entries, chunks)
      : (chunks) => this.chunks(file, kept, chunks);
  }

  /** Chunks `wanted` of `file`: those kept, the others read (runs of neighbours at once). */
  private async chunks(
    file: HashFile,
    kept: Kept,
    wanted: readonly number[],
  ): Promise<Map<number, BigUint64Array>> {
    const absent = wanted.filter((c) => !kept.chunks.has(c)).sort((a, b) => a - b);
    const runs: [number, number][] = [];
    for (const c of absent) {
      const last = runs[runs.length - 1];
      if (last && last[1] === c - 1) last[1] = c;
      else runs.push([c, c]);
    }
    const limit = pLimit(READ_CONCURRENCY);
    await Promise.all(
      runs.map(([first, last]) =>
        limit(async () => {
          const from = first * PROBE_CHUNK;
          const to = Math.min((last + 1) * PROBE_CHUNK, file.count);
          const start = file.headerBytes + file.entryBytes * from;
          const bytes = await this.blobs.getRange(
            file.key,
            start,
            start + file.entryBytes * (to - from),
          );
          if (!bytes || bytes.byteLength !== file.entryBytes * (to - from)) throw missing(file);
          const entries = decodeHashEntries(bytes, file.entryBytes);
          for (let c = first; c <= last; c++) {
            const a = (c - first) * PROBE_CHUNK;
            const b = a + PROBE_CHUNK;
            kept.chunks.set(c, {
              hashes: entries.hashes.subarray(a, b),
              versions: entries.versions.subarray(a, b),
            });
          }
        }),
      ),
    );
    return new Map(wanted.map((c) => [c, (kept.chunks.get(c) as Entries).hashes]));
  }

  /** Every entry of `file` (one read of their bytes: an id directory's names follow them). */
  private async readWhole(file: HashFile): Promise<Entries> {
    const length = file.entryBytes * file.count;
    const bytes = await this.blobs.getRange(file.key, file.headerBytes, file.headerBytes + length);
    if (!bytes || bytes.byteLength < length) throw missing(file);
    return decodeHashEntries(bytes.subarray(0, length), file.entryBytes);
  }

  /** Counts what is kept of `uid`'s files in the budget (which may give it all up). */
  private account(uid: string): void {
    let bytes = 0;
    for (const kept of this.kept.values()) {
      if (kept.uid !== uid) continue;
      const entries = kept.whole ? kept.whole.hashes.length : PROBE_CHUNK * kept.chunks.size;
      bytes += kept.entryBytes * entries;
    }
    this.budget.hold(`hashes/${uid}`, bytes, () => {
      for (const [key, kept] of this.kept) if (kept.uid === uid) this.kept.delete(key);
      return true;
    });
  }
}

/** Hashes and their versions (all 0 for 8-byte entries). */
interface Entries {
  readonly hashes: BigUint64Array;
  readonly versions: Uint32Array;
}

/** What an instance read of one file. */
interface Kept {
  readonly uid: string;
  readonly entryBytes: number;
  readonly chunks: Map<number, Entries>;
  whole?: Entries;
}

/** The version at `position`, from what is kept (the probe just read its chunk). */
function versionAt(kept: Kept, position: number): number {
  if (kept.whole) return kept.whole.versions[position] as number;
  const chunk = kept.chunks.get(Math.floor(position / PROBE_CHUNK));
  return (chunk?.versions[position % PROBE_CHUNK] ?? 0) as number;
}

function sliced(entries: Entries, chunks: readonly number[]): Map<number, BigUint64Array> {
  return new Map(
    chunks.map((c) => [c, entries.hashes.subarray(c * PROBE_CHUNK, (c + 1) * PROBE_CHUNK)]),
  );
}

function missing(file: HashFile): MissingSegmentError {
  return new MissingSegmentError(
    `${file.key} is missing from storage, or shorter than its entries`,
  );
}
