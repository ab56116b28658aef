import type { IdDigest } from "./id-digest";

/** Bits a filter spends per word of its digest (default). */
export const FILTER_BITS_PER_WORD = 10;

/** Bits probed per lookup: with 10 bits a word, about 0.8% of absent hashes pass. */
const PROBES = 6;

/** Whether this machine stores the low 32-bit word of a 64-bit integer first. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * A Bloom filter over one segment's id digest (its upserted and its deleted hashes), kept in
 * memory beside the digest, never stored: a writer builds it from the digest (about twice the
 * time decoding the digest takes) the first time it writes to the index.
 * Asking which segment last wrote an id (`latestWord`) searches only the segments whose filter
 * may hold its hash, instead of binary-searching every segment's digest: a write of new ids into
 * an index of S segments checked S digests per id. No false negatives; a false positive costs
 * the binary search the filter saved.
 *
 * Probes are double hashing of the hash's own two 32-bit words (`lo + i·hi`, scaled to the
 * filter's size): the words are two independent hashes of the id already (see `idHash`).
 */
export class DigestFilter {
  private readonly bits: Uint32Array;
  private readonly size: number;

  /**
   * @param digest the segment's digest.
   * @param bitsPerWord bits of filter per word (default {@link FILTER_BITS_PER_WORD}).
   */
  constructor(digest: IdDigest, bitsPerWord = FILTER_BITS_PER_WORD) {
    const words = digest.upserted.length + digest.deleted.length;
    this.size = Math.max(32, Math.ceil((words * bitsPerWord) / 32) * 32);
    this.bits = new Uint32Array(this.size / 32);
    for (const list of [digest.upserted, digest.deleted]) {
      // The hashes' 32-bit halves, read in place (no BigInt per word).
      const halves = new Uint32Array(list.buffer, list.byteOffset, list.length * 2);
      const [low, high] = LITTLE_ENDIAN ? [0, 1] : [1, 0];
      for (let p = 0; p < list.length; p++) {
        this.add(halves[2 * p + high] as number, halves[2 * p + low] as number);
      }
    }
  }

  /** Bytes the filter holds. */
  get byteLength(): number {
    return this.bits.byteLength;
  }

  /** Whether the digest may hold the hash `(hi << 32) | lo`: `false` means it surely does not. */
  mayHold(hi: number, lo: number): boolean {
    for (let i = 0; i < PROBES; i++) {
      const bit = this.probe(hi, lo, i);
      if (((this.bits[bit >>> 5] as number) & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }

  private add(hi: number, lo: number): void {
    for (let i = 0; i < PROBES; i++) {
      const bit = this.probe(hi, lo, i);
      this.bits[bit >>> 5] = (this.bits[bit >>> 5] as number) | (1 << (bit & 31));
    }
  }

  /** The `i`-th probe's bit: `lo + i·hi` (mod 2^32) scaled to the filter's size (no division). */
  private probe(hi: number, lo: number, i: number): number {
    return Math.floor((((lo + Math.imul(i, hi)) >>> 0) * this.size) / 4294967296);
  }
}
