import pLimit from "p-limit";
import { inverseNorms, type VectorRows } from "../domain/exact-search";
import type { IndexRecord } from "../domain/index-record";
import type { VersionedSegment } from "../domain/segment";
import { type Tail, tailSince } from "../domain/tail";
import type { SegmentStore } from "./segment-store";

/** A tail ready to scan: its rows as {@link VectorRows} (with inverse norms under cosine). */
export interface ScannableTail extends Tail {
  readonly rows: VectorRows;
}

/** How many segments one tail read fetches at once. */
const READ_CONCURRENCY = 16;

/**
 * A warm instance's view of what changed since its graphs' data versions: the segments holding
 * newer words are read once (segments are immutable), and the folded tail is kept per
 * (incarnation, graph version, data version), so consecutive searches of one index version reuse
 * it. A tail is small by design: catch-up folds it into the graph once it passes its threshold.
 */
export class TailCache {
  private readonly segments = new Map<string, Promise<VersionedSegment>>();
  private readonly tails = new Map<string, { key: string; tail: Promise<ScannableTail> }>();

  constructor(private readonly store: SegmentStore) {}

  get(record: IndexRecord, since: number): Promise<ScannableTail> {
    const key = `${since}@${record.dataVersion}/${record.segments.map((s) => s.id).join(",")}`;
    const cached = this.tails.get(record.uid);
    if (cached?.key === key) return cached.tail;
    const tail = this.compute(record, since);
    this.tails.set(record.uid, { key, tail });
    tail.catch(() => {
      if (this.tails.get(record.uid)?.tail === tail) this.tails.delete(record.uid);
    });
    return tail;
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
