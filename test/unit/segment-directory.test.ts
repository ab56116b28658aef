import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { digestOf, idHash, latestWord } from "../../src/domain/id-digest";
import { decodeNames, decodeNamesIndex, namesSpan } from "../../src/domain/name-list";
import type { SegmentManifest } from "../../src/domain/segment";
import {
  DELETED_ROW,
  DIRECTORY_ENTRY_BYTES,
  decodeDirectoryEntry,
  manifestText,
  namesLayout,
  type Span,
} from "../../src/domain/segment-directory";

// A segment's manifest text and its directory: the text is what JSON.stringify gives, and each
// directory entry, found through the digest as a reader finds it, names its id's own spans.

const ID = fc.string({ unit: "grapheme", minLength: 1, maxLength: 6 });
const METADATA = fc.option(
  fc.dictionary(fc.string({ unit: "grapheme", maxLength: 4 }), fc.jsonValue({ maxDepth: 2 })),
);
function manifestOf(
  all: string[],
  split: number,
  metadata: (Record<string, unknown> | null)[],
  versioned: boolean,
): SegmentManifest {
  const ids = all.slice(0, split);
  const deleted = all.slice(split);
  return {
    ids,
    metadata: metadata.slice(0, split),
    deleted,
    ...(versioned
      ? { versions: ids.map((_, i) => i + 1), deleted_versions: deleted.map(() => 9) }
      : {}),
  };
}

const MANIFESTS = fc
  .uniqueArray(ID, { maxLength: 30 })
  .chain((all) =>
    fc
      .tuple(
        fc.nat({ max: all.length }),
        fc.array(METADATA, { minLength: all.length, maxLength: all.length }),
        fc.boolean(),
      )
      .map(([split, metadata, versioned]) => manifestOf(all, split, metadata, versioned)),
  );

describe("a segment's manifest text and directory", () => {
  it("writes the text JSON.stringify gives, with every id's spans found through its digest", () => {
    fc.assert(
      fc.property(MANIFESTS, (manifest) => {
        const head = { format: 2, dimension: 3 };
        const written = manifestText(head, manifest, 0);
        expect(written.text).toBe(JSON.stringify({ ...head, ...manifest }));
        const bytes = Buffer.from(written.text, "utf8");
        expect(written.bytes).toBe(bytes.byteLength);
        const span = (s: Span) => JSON.parse(bytes.subarray(s.start, s.end).toString("utf8"));
        const digest = digestOf(manifest);
        // The digest found while ordering the directory is the one the ids give.
        expect(written.digest).toEqual(digest);
        const words = manifest.ids.length + manifest.deleted.length;
        const directory = written.directory ?? new Uint8Array();
        expect(directory.byteLength).toBeGreaterThan(words * DIRECTORY_ENTRY_BYTES);
        const entryAt = (p: number) =>
          decodeDirectoryEntry(
            directory.subarray(p * DIRECTORY_ENTRY_BYTES, (p + 1) * DIRECTORY_ENTRY_BYTES),
          );
        manifest.ids.forEach((id, row) => {
          const word = latestWord([digest], idHash(id));
          expect(word).toMatchObject({ word: "upserted" });
          const entry = entryAt(word?.position ?? -1);
          expect(entry.row).toBe(row);
          expect(span(entry.id)).toBe(id);
          expect(span(entry.metadata)).toEqual(
            JSON.parse(JSON.stringify(manifest.metadata[row] ?? null)),
          );
        });
        for (const id of manifest.deleted) {
          const word = latestWord([digest], idHash(id));
          expect(word).toMatchObject({ word: "deleted" });
          const entry = entryAt(word?.position ?? -1);
          expect(entry.row).toBe(DELETED_ROW);
          expect(span(entry.id)).toBe(id);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps the upserted ids in hash order, any run of them one span of the directory", () => {
    const IDS = fc.uniqueArray(ID, { minLength: 1, maxLength: 300 });
    fc.assert(
      fc.property(IDS, fc.nat(), fc.nat(), fc.nat({ max: 20 }), (all, a, b, deletes) => {
        const ids = all.slice(deletes);
        const deleted = all.slice(0, deletes);
        if (ids.length === 0) return;
        const manifest = { ids, metadata: ids.map(() => null), deleted };
        const directory = manifestText({}, manifest, 0).directory ?? new Uint8Array();
        const digest = digestOf(manifest);
        const layout = namesLayout(ids.length, ids.length + deleted.length);
        const index = decodeNamesIndex(directory.subarray(layout.index.start, layout.index.end));
        expect(layout.namesStart + (index.at(-1) as number)).toBe(directory.byteLength);
        const [from, to] = [a % ids.length, b % ids.length].sort((x, y) => x - y) as [
          number,
          number,
        ];
        const run = namesSpan(index, layout.namesStart, from, to + 1);
        const names = decodeNames(directory.subarray(run.span.start, run.span.end));
        for (let p = from; p <= to; p++) {
          expect(idHash(names[p - run.first] as string)).toBe(digest.upserted[p]);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("leaves a manifest below the size out of directories, with the same text", () => {
    const manifest = { ids: ["a", "é"], metadata: [{ t: "ü" }, null], deleted: ["z"] };
    const big = manifestText({ format: 2 }, manifest, 0);
    const small = manifestText({ format: 2 }, manifest, big.bytes + 1);
    expect(small).toEqual({ text: big.text, bytes: big.bytes });
    expect(manifestText({ format: 2 }, manifest, big.bytes).directory).toBeDefined();
  });

  it("refuses an entry of the wrong size, saying what it got", () => {
    expect(() => decodeDirectoryEntry(new Uint8Array(27))).toThrow(
      "directory entry has 27 bytes, expected 28",
    );
  });
});
