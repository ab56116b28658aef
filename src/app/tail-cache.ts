import pLimit from "p-limit";
import { inverseNorms, type VectorRows } from "../domain/exact-search";
import type { IndexRecord } from "../domain/index-record";
import type { VersionedSegment } from "../domain/segment";
import { type Tail, tailSince } from "../domain/tail";
import { BudgetedLoads } from "./budgeted-loads";
import { ByteBudget } from "./byte-budget";
import type { SegmentStore } from "./segment-store";

/** A tail ready to scan: its rows as {@link VectorRows} (with inverse norms under cosine). */
export interface ScannableTail extends Tail {
  /** The tail's rows, ready for an exact scan. */
  readonly rows: VectorRows;
}

/** How many segments one tail read fetches at once. */
const READ_CONCURRENCY = 16;

/**
 * A warm instance's view of what changed since its graphs' data versions: the segments holding
 * newer words are read once (segments are immutable), and the folded tail is kept per
 * (incarnation, graph version, data version), so consecutive searches of one index version reuse
 * it. A tail is small by design: catch-up folds it into the graph once it passes its threshold;
 * the segments read for it may not be (a compaction merges new words into older ones), so an
 * index's tail and segments share the instance's budget with its other caches, and are given up
 * when not used lately (read again on the next search).
 */
export class TailCache {
  private readonly segments = new Map<string, Promise<VersionedSegment>>();
  /** Bytes of values of the segments kept per index (those its last tail was read from). */
  private readonly segmentBytes = new Map<string, number>();
  /** Each index's folded tail, with the segments read for it counted in. */
  private readonly tails: BudgetedLoads<ScannableTail>;

  /** @param budget shared with the instance's other caches (default: a budget of its own). */
  constructor(
    private readonly store: SegmentStore,
    budget: ByteBudget = new ByteBudget(),
  ) {
    this.tails = new BudgetedLoads(
      budget,
      "tail",
      (uid, tail) => tail.values.byteLength + (this.segmentBytes.get(uid) ?? 0),
      (uid) => this.forgetSegments(uid),
    );
  }

  /** The tail of `record` after data version `since`, kept or computed. */
  get(record: IndexRecord, since: number): Promise<ScannableTail> {
    const key = `${since}@${record.dataVersion}/${record.segments.map((s) => s.id).join(",")}`;
    return this.tails.get(record.uid, key, () => this.compute(record, since));
  }

  /** Bytes of the tails and segments kept (for tests and metrics). */
  keptBytes(): number {
    return this.tails.keptBytes();
  }

  /** Drops the segments read for an index's tail. */
  private forgetSegments(uid: string): void {
    this.segmentBytes.delete(uid);
    for (const key of [...this.segments.keys()]) {
      if (key.startsWith(`${uid}/`)) this.segments.delete(key);
    }
  }

  private async compute(record: IndexRecord, since: number): Promise<ScannableTail> {
    const refs = record.segments.filter((s) => s.max_version > since);
    const wanted = new Set(refs.map((r) => `${record.uid}/${r.id}`));
    for (const key of this.segments.keys()) {
      if (key.startsWith(`${record.uid}/`) && !wanted.has(key)) this.segments.delete(key);
    }
    const limit = pLimit(READ_CONCURRENCY);
    const segments = await Promise.all(
      refs.map((ref) => {
        const key = `${record.uid}/${ref.id}`;
        let read = this.segments.get(key);
        if (!read) {
          read = limit(() => this.store.read(record, ref));
          this.segments.set(key, read);
          read.catch(() => this.segments.delete(key));
        }
        return read;
      }),
    );
    this.segmentBytes.set(
      record.uid,
      segments.reduce((sum, segment) => sum + segment.values.byteLength, 0),
    );
    const tail = tailSince(segments, since, record.dimension);
    const n = tail.ids.length;
    const rows: VectorRows = {
      data: tail.values,
      dimension: record.dimension,
      rows: n,
      ...(record.metric === "cosine"
        ? { inverseNorms: inverseNorms(tail.values, record.dimension, n) }
        : {}),
    };
    return { ...tail, rows };
  }
}
