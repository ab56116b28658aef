import pLimit from "p-limit";
import { contains, PROBE_CHUNK, probeSorted } from "../domain/hash-probe";
import { decodeDigest } from "../domain/id-digest";
import type { IdDirectoryRef, IndexRecord } from "../domain/index-record";
import { ByteBudget } from "./byte-budget";
import type { BlobStore } from "./ports";
import { MissingSegmentError } from "./segment-store";

/** Ranged reads one probe makes at once. */
const READ_CONCURRENCY = 16;

/** Bytes of a directory's header (the digest format's two counts) before its hashes. */
const HEADER_BYTES = 8;

/** Ranged reads a probe of one hash makes, about (2 in a directory of a million hashes). */
const READS_PER_HASH = 2;

/**
 * What one ranged read costs, in bytes of reading a whole object: on the local stack, a new
 * instance's write of 60 new ids probed a directory of a million (about 120 ranged reads, 16 at
 * once) in 162 ms, and read all 7.6 MiB of it in 90 ms (`npm run bench -- id-directory`): about
 * 80 KiB a read. S3's first-byte latency (tens of milliseconds) is of the same order.
 */
export const RANGED_READ_BYTES = 96 * 1024;

/**
 * Reads id directories (see `IdDirectoryRef`) for writers: which of the hashes a write asks about
 * are live as of the directory's version, by ranged reads of a few 512-byte chunks per hash (see
 * {@link probeSorted}), so a new instance's first write costs about the same whatever the index's
 * size. A write that asks about so many hashes that their round trips would cost more than
 * reading the directory whole (8 bytes per live id) reads it whole instead. A warm instance keeps what it read (chunks, or the whole
 * directory) within its byte budget (cache `iddir`).
 */
export class IdDirectoryReader {
  /** Directory key -> what this instance read of it. */
  private readonly kept = new Map<string, Kept>();

  private readonly rangedReadBytes: number;

  /**
   * @param budget the instance's cache budget (default: a budget of its own).
   * @param options.rangedReadBytes what one ranged read costs, in bytes of a whole read (default
   *   {@link RANGED_READ_BYTES}, 96 KiB): with `h` hashes asked, a directory of `n` is read whole
   *   once `h × 2 × rangedReadBytes ≥ 8n`.
   */
  constructor(
    private readonly blobs: BlobStore,
    private readonly budget: ByteBudget = new ByteBudget(),
    { rangedReadBytes = RANGED_READ_BYTES }: { rangedReadBytes?: number } = {},
  ) {
    this.rangedReadBytes = rangedReadBytes;
  }

  /**
   * Which of `hashes` directory `ref` of `record` holds. Throws `MissingSegmentError` when the
   * directory is gone (a newer one replaced it and the orphan sweep removed it): the caller reads
   * a fresh record.
   */
  async holds(
    record: IndexRecord,
    ref: IdDirectoryRef,
    hashes: readonly bigint[],
  ): Promise<Set<bigint>> {
    const kept = this.keptFor(record, ref);
    // Probing costs round trips: past about one hash per 24,576 of the directory's, reading it
    // whole is cheaper (then at most 192 KiB per hash asked).
    if (!kept.whole && hashes.length * READS_PER_HASH * this.rangedReadBytes >= 8 * ref.live) {
      kept.whole = await this.readWhole(ref);
      kept.chunks.clear();
    }
    const whole = kept.whole;
    if (whole) {
      this.account(record, ref, kept);
      return new Set(hashes.filter((h) => contains(whole, h)));
    }
    const held = await probeSorted(ref.live, hashes, (chunks) => this.chunks(ref, kept, chunks));
    this.account(record, ref, kept);
    return held;
  }

  /** Forgets the directories of an index incarnation (deleted). */
  forget(uid: string): void {
    for (const [key, kept] of this.kept) if (kept.uid === uid) this.kept.delete(key);
    this.budget.forget(`iddir/${uid}`);
  }

  private keptFor(record: IndexRecord, ref: IdDirectoryRef): Kept {
    let kept = this.kept.get(ref.key);
    if (!kept) {
      // An index has one directory at a time: an older one's reads are of no more use.
      for (const [key, other] of this.kept) if (other.uid === record.uid) this.kept.delete(key);
      kept = { uid: record.uid, chunks: new Map() };
      this.kept.set(ref.key, kept);
    }
    return kept;
  }

  /** Chunks `wanted` of the directory: those kept, the others read (runs of neighbours at once). */
  private async chunks(
    ref: IdDirectoryRef,
    kept: Kept,
    wanted: readonly number[],
  ): Promise<Map<number, BigUint64Array>> {
    const missing = wanted.filter((c) => !kept.chunks.has(c)).sort((a, b) => a - b);
    const runs: [number, number][] = [];
    for (const c of missing) {
      const last = runs[runs.length - 1];
      if (last && last[1] === c - 1) last[1] = c;
      else runs.push([c, c]);
    }
    const limit = pLimit(READ_CONCURRENCY);
    await Promise.all(
      runs.map(([first, last]) =>
        limit(async () => {
          const from = first * PROBE_CHUNK;
          const to = Math.min((last + 1) * PROBE_CHUNK, ref.live);
          const bytes = await this.blobs.getRange(
            ref.key,
            HEADER_BYTES + 8 * from,
            HEADER_BYTES + 8 * to,
          );
          if (!bytes || bytes.byteLength !== 8 * (to - from)) throw missingDirectory(ref);
          const words = decodeWords(bytes);
          for (let c = first; c <= last; c++) {
            kept.chunks.set(
              c,
              words.subarray((c - first) * PROBE_CHUNK, (c + 1 - first) * PROBE_CHUNK),
            );
          }
        }),
      ),
    );
    return new Map(wanted.map((c) => [c, kept.chunks.get(c) as BigUint64Array]));
  }

  private async readWhole(ref: IdDirectoryRef): Promise<BigUint64Array> {
    const bytes = await this.blobs.get(ref.key);
    if (!bytes) throw missingDirectory(ref);
    return decodeDigest(bytes).upserted;
  }

  /** Counts what is kept of `ref` in the budget (which may give it up). */
  private account(record: IndexRecord, ref: IdDirectoryRef, kept: Kept): void {
    const bytes = kept.whole ? kept.whole.byteLength : kept.chunks.size * PROBE_CHUNK * 8;
    this.budget.hold(`iddir/${record.uid}`, bytes, () => {
      if (this.kept.get(ref.key) !== kept) return false;
      this.kept.delete(ref.key);
      return true;
    });
  }
}

/** What an instance read of one directory. */
interface Kept {
  readonly uid: string;
  readonly chunks: Map<number, BigUint64Array>;
  whole?: BigUint64Array;
}

function missingDirectory(ref: IdDirectoryRef): MissingSegmentError {
  return new MissingSegmentError(`id directory ${ref.key} is missing from storage`);
}

/** Little-endian 64-bit hashes. */
function decodeWords(bytes: Uint8Array): BigUint64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return BigUint64Array.from({ length: bytes.byteLength / 8 }, (_, i) =>
    view.getBigUint64(8 * i, true),
  );
}
