import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyWords, wordsAt, wordsOf } from "../../src/domain/directory-words";
import { PROBE_CHUNK, probeAbove, probeSorted } from "../../src/domain/hash-probe";
import { digestOf, firstAbove, hashOrder, idHash, latestWord } from "../../src/domain/id-digest";
import {
  decodeIdDirectory,
  directoryCoverage,
  encodeIdDirectory,
  segmentOfVersion,
} from "../../src/domain/id-directory";
import type { IndexRecord } from "../../src/domain/index-record";
import {
  decodeNames,
  gatherNames,
  nameListOf,
  namesIndexBytes,
  namesSection,
} from "../../src/domain/name-list";
import type { SegmentRef } from "../../src/domain/segment";
import { segmentWords } from "../support/segment-words";

// An index's id directory: the live hashes as of a version, built by applying segments' words,
// probed a few chunks at a time, and trusted only while the segments split cleanly at it.

/** Sorted hashes of ids `prefix0` … and a chunk reader over them that counts what it reads. */
function sortedList(n: number, prefix = "doc-") {
  const hashes = BigUint64Array.from({ length: n }, (_, i) => idHash(`${prefix}${i}`)).sort();
  const reads = { chunks: 0, calls: 0 };
  const read = async (chunks: readonly number[]) => {
    reads.calls++;
    reads.chunks += chunks.length;
    return new Map(
      chunks.map((c) => [c, hashes.subarray(c * PROBE_CHUNK, (c + 1) * PROBE_CHUNK)] as const),
    );
  };
  return { hashes, read, reads };
}

describe("probing a sorted hash list", () => {
  it("finds exactly the hashes the list holds", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3_000 }),
        fc.array(fc.integer({ min: 0, max: 6_000 }), { maxLength: 40 }),
        async (n, asked) => {
          const { hashes, read } = sortedList(n);
          const wanted = asked.map((i) => idHash(`doc-${i}`));
          const held = await probeSorted(hashes.length, wanted, read);
          expect([...held.keys()].sort()).toEqual(
            [...new Set(asked.filter((i) => i < n))].map((i) => idHash(`doc-${i}`)).sort(),
          );
          for (const [h, at] of held) expect(hashes[at]).toBe(h);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("finds where the hashes above any hash start, as a plain search does", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 3_000 }),
        fc.array(fc.oneof(fc.integer({ min: 0, max: 6_000 }), fc.constant(-1)), {
          maxLength: 20,
        }),
        async (n, asked) => {
          const { hashes, read } = sortedList(n);
          for (const i of asked) {
            // Held hashes, absent ones, and the ends of the range.
            const h = i < 0 ? (n % 2 === 0 ? 0n : (1n << 64n) - 1n) : idHash(`doc-${i}`);
            expect(await probeAbove(hashes.length, h, read)).toBe(firstAbove(hashes, h));
          }
        },
      ),
      { numRuns: 60 },
    );
    // A million hashes: a few chunks, as for a lookup.
    const { hashes, read, reads } = sortedList(1_000_000);
    for (let i = 0; i < 100; i++) {
      const h = idHash(`doc-${i * 7919}`);
      expect(await probeAbove(hashes.length, h, read)).toBe(firstAbove(hashes, h));
    }
    expect(reads.chunks / 100).toBeLessThan(4);
  });

  it("settles a hash among a million in a few chunks", async () => {
    const { hashes, read, reads } = sortedList(1_000_000);
    const asked = Array.from({ length: 200 }, (_, i) => idHash(`doc-${i * 4999}`));
    const absent = Array.from({ length: 200 }, (_, i) => idHash(`new-${i}`));
    const held = await probeSorted(hashes.length, [...asked, ...absent], read);
    expect(held.size).toBe(200);
    for (const h of asked) expect(hashes[held.get(h) as number]).toBe(h);
    // Chunks of 64 hashes (512 bytes): a binary search would read about 14 per hash.
    expect(reads.chunks / 400).toBeLessThan(4);
    expect(reads.calls).toBeLessThanOrEqual(6);
  });

  it("settles hashes even where the list is far from even", async () => {
    // Every hash in the lowest 1/1000 of the range, then a few spread out.
    const low = BigUint64Array.from({ length: 5_000 }, (_, i) => BigInt(i) * 1_000_003n);
    const spread = BigUint64Array.from({ length: 50 }, (_, i) => (BigInt(i + 1) << 58n) + 7n);
    const hashes = new BigUint64Array([...low, ...spread]).sort();
    const read = async (chunks: readonly number[]) =>
      new Map(chunks.map((c) => [c, hashes.subarray(c * PROBE_CHUNK, (c + 1) * PROBE_CHUNK)]));
    const asked = [low[4321] as bigint, 4321n * 1_000_003n + 1n, spread[17] as bigint, 1n << 63n];
    const held = await probeSorted(hashes.length, asked, read);
    expect([...held.keys()].sort()).toEqual([low[4321], spread[17]].sort());
  });
});

describe("applying segments' words", () => {
  it("leaves live exactly the hashes whose latest word upserts them, with its version", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 40 })),
        fc.array(segmentWords(40, 20), { maxLength: 9 }),
        fc.boolean(),
        (before, segments, merged) => {
          const base = BigUint64Array.from(before, (i) => idHash(`id${i}`)).sort();
          const live = { hashes: base, versions: new Uint32Array(base.length).fill(1) };
          // Segment s's words have version 10 + s, from its digest or (merged) its ids.
          const words = segments.map((segment, s) =>
            merged
              ? wordsOf({ ...segment, versions: segment.ids.map(() => 10 + s) })
              : wordsAt(digestOf(segment), 10 + s),
          );
          const after = applyWords(live, words);
          // Each live hash's name, from the layer its word came from.
          const nameOf = new Map(before.map((i) => [idHash(`id${i}`), `id${i}`]));
          const layers = [
            nameListOf(Array.from(base, (h) => nameOf.get(h) as string)),
            ...segments.map((segment) => {
              const order = hashOrder(segment.ids).order;
              return nameListOf(Array.from(order, (row) => segment.ids[row] as string));
            }),
          ];
          const names = gatherNames(layers, after.layer, after.position);
          const digests = segments.map(digestOf);
          const expected = new Map<bigint, number>();
          for (let i = 0; i <= 40; i++) {
            const h = idHash(`id${i}`);
            const word = latestWord(digests, h);
            if (word ? word.word === "upserted" : before.includes(i)) {
              expected.set(h, word ? 10 + word.segment : 1);
            }
          }
          const sorted = [...expected.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          expect([...after.hashes]).toEqual(sorted);
          expect([...after.versions]).toEqual(sorted.map((h) => expected.get(h)));
          const listed = decodeNames(namesSection(names).subarray(namesIndexBytes(sorted.length)));
          expect(listed.map(idHash)).toEqual(sorted);
          // As stored and read back, with names and without.
          const entries = { hashes: after.hashes, versions: after.versions };
          expect(decodeIdDirectory(encodeIdDirectory(entries))).toEqual(entries);
          const stored = encodeIdDirectory(entries, names);
          expect(decodeIdDirectory(stored, true)).toEqual({ ...entries, names });
          if (stored.byteLength > 8) {
            for (const named of [false, true]) {
              expect(() =>
                decodeIdDirectory(stored.subarray(0, stored.byteLength - 1), named),
              ).toThrow(RangeError);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("trusting a directory", () => {
  const ref = (min: number, max: number): SegmentRef => ({
    id: `s${min}-${max}`,
    vectors: 1,
    deletes: 0,
    bytes: 1,
    min_version: min,
    max_version: max,
  });
  const record = (segments: SegmentRef[], version?: number) =>
    ({
      segments,
      ...(version === undefined ? {} : { idDirectory: { key: "k", version, live: 1 } }),
    }) as unknown as IndexRecord;

  it("names the segment that holds a version", () => {
    const segments = [ref(1, 4), ref(5, 9), ref(10, 10), ref(11, 11)];
    expect([1, 4, 5, 9, 10, 11].map((v) => segmentOfVersion(segments, 4, v))).toEqual([
      0, 0, 1, 1, 2, 3,
    ]);
    expect(segmentOfVersion(segments, 2, 10)).toBe(-1);
    expect(segmentOfVersion([ref(1, 4), ref(8, 9)], 2, 6)).toBe(-1);
  });

  it("names the first segment it does not cover", () => {
    const segments = [ref(1, 4), ref(5, 9), ref(10, 10), ref(11, 11)];
    expect(directoryCoverage(record(segments, 9))).toEqual({ uncoveredFrom: 2 });
    expect(directoryCoverage(record(segments, 11))).toEqual({ uncoveredFrom: 4 });
    expect(directoryCoverage(record(segments, 4))).toEqual({ uncoveredFrom: 1 });
  });

  it("is refused with no directory, a merge across its version, or an uncovered head", () => {
    const segments = [ref(1, 4), ref(5, 9), ref(10, 10)];
    expect(directoryCoverage(record(segments))).toBeNull();
    // A merge across the version: a segment holds words from both sides.
    expect(directoryCoverage(record([ref(1, 4), ref(5, 12)], 9))).toBeNull();
    // The head was merged away or rewritten from newer words: deletions may have been dropped.
    expect(directoryCoverage(record([ref(10, 12)], 9))).toBeNull();
    expect(directoryCoverage(record([], 9))).toBeNull();
  });
});
