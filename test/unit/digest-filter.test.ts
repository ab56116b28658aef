import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DigestFilter } from "../../src/domain/digest-filter";
import { digestOf, idHash, latestWord } from "../../src/domain/id-digest";
import { segmentWords } from "../support/segment-words";

// A segment digest's Bloom filter: it never hides a word, so the latest word about an id is the
// same with filters as without, and it lets few absent hashes through.

/** A segment: ids it upserts and ids it deletes. */
const SEGMENT = segmentWords(60, 20);

/** A 64-bit hash as the two 32-bit words a filter is asked about. */
const halves = (h: bigint) => [Number(h >> 32n), Number(h & 0xffffffffn)] as const;

describe("digest filters", () => {
  it("give every id the same latest word as the digests alone", () => {
    fc.assert(
      fc.property(fc.array(SEGMENT, { maxLength: 8 }), (segments) => {
        const digests = segments.map(digestOf);
        const filters = digests.map((d) => new DigestFilter(d));
        for (let i = 0; i <= 70; i++) {
          const h = idHash(`id${i}`);
          expect(latestWord(digests, h, filters)).toEqual(latestWord(digests, h));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("hold every word of their digest, upserted or deleted, and pass about 1% of others", () => {
    const digest = digestOf({
      ids: Array.from({ length: 10_000 }, (_, i) => `doc-${i}`),
      deleted: Array.from({ length: 2_000 }, (_, i) => `gone-${i}`),
    });
    const filter = new DigestFilter(digest);
    for (const list of [digest.upserted, digest.deleted]) {
      for (const h of list) expect(filter.mayHold(...halves(h))).toBe(true);
    }
    // 10 bits a word: 15,000 bytes for 12,000 words.
    expect(filter.byteLength).toBe(15_000);
    let passed = 0;
    for (let i = 0; i < 20_000; i++) if (filter.mayHold(...halves(idHash(`other-${i}`)))) passed++;
    expect(passed / 20_000).toBeLessThan(0.02);
  });

  it("has a filter of 32 bits for an empty digest, holding nothing", () => {
    const filter = new DigestFilter(digestOf({ ids: [], deleted: [] }));
    expect(filter.byteLength).toBe(4);
    expect(filter.mayHold(...halves(idHash("a")))).toBe(false);
  });
});
