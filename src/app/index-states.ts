import { indexNotFound } from "../domain/errors";
import type { IndexRecord } from "../domain/index-record";
import type { IndexCatalog } from "./ports";

/**
 * How fresh a search's view of the index must be:
 * - `strong` (the default): every write that returned before the search began is reflected
 *   (read-your-writes); one small strongly consistent catalog read per search;
 * - `eventual`: a warm instance may answer from catalog state it read up to its eventual window
 *   ago (`VECTORD_EVENTUAL_MS`, default {@link DEFAULT_EVENTUAL_MS}), with no catalog read; a
 *   write is reflected at the latest one window after it returned.
 */
export type Consistency = "strong" | "eventual";
/** Every {@link Consistency} a search may ask for, as the request schema lists them. */
export const CONSISTENCY_LEVELS = ["strong", "eventual"] as const satisfies readonly Consistency[];

/** How long an eventual search may reuse catalog state, by default (ms). */
export const DEFAULT_EVENTUAL_MS = 1000;

/**
 * What {@link IndexStates} is built from; `eventualMs` defaults to {@link DEFAULT_EVENTUAL_MS} and
 * `now` to the wall clock.
 */
export interface IndexStatesDeps {
  readonly catalog: IndexCatalog;
  /** The eventual window, ms. */
  readonly eventualMs?: number;
  readonly now?: () => number;
}

/**
 * A warm instance's view of its indexes' catalog records, for searches. A strong read fetches
 * only the head (incarnation, data version, count, active generation) and reuses the full record
 * it holds while incarnation and data version match, taking the head's active generation (a
 * catch-up or activation flips it without a write). The full item, with its segment list, is
 * read only when the data changed. A record whose segments a compaction replaced since is still
 * the same data; readers re-read once if a segment it names is gone.
 */
export class IndexStates {
  private readonly states = new Map<string, { record: IndexRecord; readAt: number }>();
  private readonly eventualMs: number;
  private readonly now: () => number;

  constructor(private readonly deps: IndexStatesDeps) {
    this.eventualMs = deps.eventualMs ?? DEFAULT_EVENTUAL_MS;
    this.now = deps.now ?? Date.now;
  }

  /** The index's record, as fresh as `consistency` asks. 404 when there is no such index. */
  async read(name: string, consistency: Consistency = "strong"): Promise<IndexRecord> {
    const cached = this.states.get(name);
    // The time the read began: an eventual answer is never older than the window from it.
    const readAt = this.now();
    if (consistency === "eventual" && cached && readAt - cached.readAt <= this.eventualMs) {
      return cached.record;
    }
    const head = await this.deps.catalog.getHead(name);
    if (!head) {
      this.states.delete(name);
      throw indexNotFound(name);
    }
    let record: IndexRecord | undefined;
    const held = cached?.record;
    if (held && held.uid === head.uid && held.dataVersion === head.dataVersion) {
      record = held.active?.generation === head.active?.generation ? held : { ...held, ...head };
    } else {
      record = await this.deps.catalog.get(name);
      if (!record) {
        this.states.delete(name);
        throw indexNotFound(name);
      }
    }
    this.states.set(name, { record, readAt });
    return record;
  }
}
