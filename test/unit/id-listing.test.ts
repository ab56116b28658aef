import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digestOf, idHash } from "../../src/domain/id-digest";
import { nextLiveIds } from "../../src/domain/id-listing";
import { segmentWords } from "../support/segment-words";

// Pages of live ids from segment digests, against a replay of the same segments.

/** A segment: ids it upserts and ids it deletes. */
const SEGMENT = segmentWords(30, 12);

describe("pages of live ids", () => {
  it("list every live id once, in hash order, naming the segment of its latest upsert", () => {
    fc.assert(
      fc.property(
        fc.array(SEGMENT, { maxLength: 6 }),
        fc.integer({ min: 1, max: 7 }),
        (segments, limit) => {
          const latest = new Map<string, number>(); // id -> segment of its live upsert
          segments.forEach((s, i) => {
            for (const id of s.ids) latest.set(id, i);
            for (const id of s.deleted) latest.delete(id);
          });
          const byHash = new Map([...latest.keys()].map((id) => [idHash(id), id]));
          const digests = segments.map(digestOf);
          const listed: string[] = [];
          let after: bigint | null = null;
          for (;;) {
            const page = nextLiveIds(digests, after, limit);
            expect(page.items.length).toBeLessThanOrEqual(limit);
            for (const item of page.items) {
              const id = byHash.get(item.hash) as string;
              expect(item.segment).toBe(latest.get(id));
              expect(digests[item.segment]?.upserted[item.position]).toBe(item.hash);
              listed.push(id);
            }
            if (!page.more) break;
            expect(page.items.length).toBe(limit);
            after = page.items.at(-1)?.hash ?? null;
          }
          expect(listed.length).toBe(latest.size);
          expect(new Set(listed)).toEqual(new Set(latest.keys()));
          const hashes = listed.map(idHash);
          expect([...hashes].sort((a, b) => (a < b ? -1 : 1))).toEqual(hashes);
        },
      ),
      { numRuns: 300 },
    );
  });
});
