import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { applyChanges, changesFromLoaded, changesFromTail } from "../../src/domain/graph-changes";
import type { IndexRecord } from "../../src/domain/index-record";
import { type GenerationRows, labelsOf, liveLabels } from "../../src/domain/label-map";
import { assembleIndex } from "../../src/domain/loaded-index";
import { catchUpDue, rebuildDue } from "../../src/domain/maintenance";
import { type VersionedSegment, withVersions } from "../../src/domain/segment";
import { pendingEstimate, tailSince } from "../../src/domain/tail";

// A graph built at version V, plus the tail written after V, tells the truth about the data:
// searching it (live labels minus touched ids, plus the tail's rows) and catching it up (marking
// touched labels deleted, adding the tail's rows) both give exactly the live rows of the latest
// version, with their current values and metadata.

/** One write: upserts (id, value) pairs and deletes ids. */
const write = fc.record({
  upserts: fc.array(fc.tuple(fc.integer({ min: 0, max: 11 }), fc.integer({ min: -50, max: 50 })), {
    maxLength: 5,
  }),
  deletes: fc.array(fc.integer({ min: 0, max: 11 }), { maxLength: 3 }),
});

function segmentsOf(
  writes: { upserts: [number, number][]; deletes: number[] }[],
): VersionedSegment[] {
  return writes.map((w, i) => {
    // One segment per write: a later upsert of the same id in the same write wins.
    const last = new Map(w.upserts.map(([id, v]) => [`id${id}`, v]));
    const deleted = w.deletes.map((d) => `id${d}`).filter((id) => !last.has(id));
    const ids = [...last.keys()];
    return withVersions(
      {
        ids,
        values: new Float32Array(ids.map((id) => last.get(id) as number)),
        metadata: ids.map((id) => ({ id, at: i + 1 })),
        deleted,
      },
      i + 1,
    );
  });
}

/** What a set of rows says each live id is: its version, value and metadata. */
type Truth = Map<string, { version: number; value: number; metadata: unknown }>;

function truthOfLoaded(segments: VersionedSegment[]): Truth {
  const loaded = assembleIndex(segments, 1, "l2");
  return new Map(
    loaded.ids.map((id, r) => [
      id,
      {
        version: loaded.versions[r] as number,
        value: loaded.data[r] as number,
        metadata: loaded.metadata[r],
      },
    ]),
  );
}

describe("graph changes", () => {
  it("search and catch-up over a graph at any version give the latest live rows", () => {
    fc.assert(
      fc.property(fc.array(write, { minLength: 1, maxLength: 12 }), fc.nat(), (writes, cut) => {
        const segments = segmentsOf(writes);
        const since = cut % (segments.length + 1);
        const graph = assembleIndex(segments.slice(0, since), 1, "l2");
        const rows: GenerationRows = { ...labelsOf(graph), metadata: graph.metadata };
        const values = Array.from(graph.data);
        const tail = tailSince(segments, since, 1);
        const expected = truthOfLoaded(segments);

        // Search: the graph's live labels whose ids the tail did not touch, plus the tail.
        const searched: Truth = new Map();
        for (const [id, label] of liveLabels(rows)) {
          if (tail.touched.has(id)) continue;
          searched.set(id, {
            version: rows.versions[label] as number,
            value: values[label] as number,
            metadata: rows.metadata[label],
          });
        }
        tail.ids.forEach((id, r) => {
          expect(searched.has(id)).toBe(false);
          searched.set(id, {
            version: tail.versions[r] as number,
            value: tail.values[r] as number,
            metadata: tail.metadata[r],
          });
        });
        expect(searched).toEqual(expected);

        // Catch-up from the tail, and from a full load: the same live labels.
        for (const changes of [
          changesFromTail(rows, tail),
          changesFromLoaded(rows, assembleIndex(segments, 1, "l2")),
        ]) {
          const next = applyChanges(rows, changes, (label) => rows.metadata[label] ?? null);
          const nextValues = [...values, ...Array.from(changes.add.values)];
          const caughtUp: Truth = new Map();
          for (const [id, label] of liveLabels(next)) {
            caughtUp.set(id, {
              version: next.versions[label] as number,
              value: nextValues[label] as number,
              metadata: next.metadata[label],
            });
          }
          expect(caughtUp).toEqual(expected);
          // Every label marked deleted was live before, and is marked once.
          expect(new Set(next.deleted).size).toBe(next.deleted?.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("estimates pending words from the catalog, whole segments exactly", () => {
    const ref = (min: number, max: number, vectors: number, deletes = 0) => ({
      min_version: min,
      max_version: max,
      vectors,
      deletes,
    });
    expect(pendingEstimate([ref(1, 5, 100), ref(6, 6, 7, 2), ref(7, 9, 3)], 5)).toBe(12);
    expect(pendingEstimate([ref(1, 5, 100)], 5)).toBe(0);
    // A compaction merged versions 1..10 (100 words): versions 9 and 10 are 2 of 10.
    expect(pendingEstimate([ref(1, 10, 100)], 8)).toBe(20);
  });
});

describe("maintenance thresholds", () => {
  const record = (
    graphLabels: number,
    pending: number,
    maintenance: IndexRecord["maintenance"] = undefined,
    deleted = 0,
  ): IndexRecord => ({
    name: "t",
    uid: "u",
    dimension: 1,
    metric: "l2",
    count: graphLabels,
    dataVersion: 2,
    vectorsWritten: 0,
    segments: [
      { id: "a", vectors: graphLabels, deletes: 0, bytes: 0, min_version: 1, max_version: 1 },
      { id: "b", vectors: pending, deletes: 0, bytes: 0, min_version: 2, max_version: 2 },
    ],
    createdAt: "",
    updatedAt: "",
    active: {
      generation: 1,
      config: { m: 8, ef_construction: 40, ef_search: 40, seed: 1 },
      data_version: 1,
      activated_at: "",
      graph_key: "g",
      rows_key: "r",
      labels: graphLabels + deleted,
      deleted_labels: deleted,
    },
    ...(maintenance ? { maintenance } : {}),
  });

  it("catches up at 5% of the graph or 10,000 vectors, whichever is smaller", () => {
    expect(catchUpDue(record(1000, 49))).toBe(false);
    expect(catchUpDue(record(1000, 50))).toBe(true);
    expect(catchUpDue(record(1_000_000, 9_999))).toBe(false);
    expect(catchUpDue(record(1_000_000, 10_000))).toBe(true);
    // Live labels count, not deleted ones.
    expect(catchUpDue(record(1000, 50, undefined, 500))).toBe(true);
    expect(catchUpDue(record(10, 1))).toBe(true);
    expect(catchUpDue(record(1000, 100, { catch_up_fraction: 0.2 }))).toBe(false);
    expect(catchUpDue(record(1000, 100, { catch_up_max_pending: 100 }))).toBe(true);
    expect(catchUpDue({ ...record(1000, 100), active: null })).toBe(false);
  });

  it("rebuilds once deleted labels would pass the fraction of the graph", () => {
    const labels = {
      ids: Array(80).fill("x"),
      versions: Array(80).fill(1),
      metadata: [],
      deleted: [1, 2, 3, 4, 5],
    };
    const changes = (deletes: number, adds: number) => ({
      deleteLabels: Array.from({ length: deletes }, (_, i) => 10 + i),
      add: { ids: Array(adds).fill("y"), versions: [], metadata: [], values: new Float32Array() },
    });
    // (5 + 15) / (80 + 20) = 20%: not past it.
    expect(rebuildDue(labels, changes(15, 20), 0.2)).toBe(false);
    expect(rebuildDue(labels, changes(16, 20), 0.2)).toBe(true);
    expect(rebuildDue(labels, changes(16, 20), 0.5)).toBe(false);
  });
});
