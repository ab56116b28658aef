import type { IndexRecord, SegmentListRef } from "../domain/index-record";
import type { SegmentRef } from "../domain/segment";

// The UpdateItem requests that change an index item's segments, built from the record they
// apply to. Plain data: the catalog sends them (and adds the incarnation's condition to each).

/** One UpdateItem's expressions, names and values (without the incarnation's condition). */
export interface ItemUpdate {
  /** What the update sets. */
  readonly UpdateExpression: string;
  /** What must hold for it to apply: the item as read. */
  readonly ConditionExpression: string;
  /** The expressions' names. */
  readonly ExpressionAttributeNames: Record<string, string>;
  /** The expressions' values. */
  readonly ExpressionAttributeValues: Record<string, unknown>;
}

/** Where an item that has folded keeps its own segments. */
const RECENT = "recent_segments";

/**
 * What `segments` holds once an item has folded: code from before folds reads `segments` as the
 * whole list, and fails on this instead of taking the item's own segments for all of them.
 */
export const FOLDED_NOTE =
  "folded: the segments are in segment_list and recent_segments; this code predates folds";

const UNCHANGED_SINCE_READ = "#data_version = :expected_version";
const NEVER_LISTED = "attribute_not_exists(#segment_list)";
const SAME_LIST = "#segment_list.#key = :list_key";
/** The item keeps its own segments in `recent_segments` (it has split). */
const SPLIT = "attribute_exists(#segment_list)";

/**
 * Appends `segment` with the new live `count`, bumping `data_version`: only if the data and the
 * item's layout are as read (a write that read the item before it split, or before an unfold,
 * re-reads).
 */
export function appendUpdate(
  current: IndexRecord,
  segment: SegmentRef,
  count: number,
  now: string,
): ItemUpdate {
  return {
    UpdateExpression:
      "SET #segments = list_append(#segments, :segment), #count = :count, #data_version = :next_version, #vectors_written = :vectors_written, #updated_at = :now",
    ConditionExpression: `${UNCHANGED_SINCE_READ} AND ${current.segmentList ? SPLIT : NEVER_LISTED}`,
    ExpressionAttributeNames: {
      "#segments": ownAttribute(current),
      "#segment_list": "segment_list",
      "#count": "count",
      "#data_version": "data_version",
      "#updated_at": "updated_at",
      "#vectors_written": "vectors_written",
    },
    ExpressionAttributeValues: {
      ":segment": [segment],
      ":count": count,
      ":next_version": current.dataVersion + 1,
      ":vectors_written": current.vectorsWritten + segment.vectors,
      ":expected_version": current.dataVersion,
      ":now": now,
    },
  };
}

/**
 * Replaces the item's own segments `[start, end)` (positions in the item's own list) with
 * `merged` or nothing, in place: appends meanwhile do not make it lose, another change to the
 * run or a fold does. `null` when there is nothing to change.
 */
export function editOwnUpdate(
  current: IndexRecord,
  start: number,
  end: number,
  merged: SegmentRef | null,
): ItemUpdate | null {
  const names: Record<string, string> = { "#segments": ownAttribute(current) };
  const values: Record<string, unknown> = {};
  const conditions = [
    sameList(current, names, values),
    ...sameOwn(current, start, end, names, values),
  ];
  const clauses: string[] = [];
  if (merged) {
    values[":merged"] = merged;
    clauses.push(`SET #segments[${start}] = :merged`);
  }
  const removed = positionsDescending(merged ? start + 1 : start, end);
  if (removed.length > 0) clauses.push(`REMOVE ${removed.join(", ")}`);
  if (clauses.length === 0) return null;
  return {
    UpdateExpression: clauses.join(" "),
    ConditionExpression: conditions.join(" AND "),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * Points the item at the list object `list` (the first segments of the index) and removes the
 * item's first `removeOwn` segments, which the object now holds: only if the item still names the
 * list `current` does and those segments are still its first. Appends meanwhile do not make it
 * lose. `current` must have split its segments ({@link splitUpdate}).
 */
export function relistUpdate(
  current: IndexRecord,
  list: SegmentListRef,
  removeOwn: number,
): ItemUpdate {
  if (!current.segmentList) {
    throw new Error(`index "${current.name}" lists no segments yet: split its item first`);
  }
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ":list": list };
  const conditions = [
    sameList(current, names, values),
    ...sameOwn(current, 0, removeOwn, names, values),
  ];
  const removed = positionsDescending(0, removeOwn);
  return {
    UpdateExpression: `SET #segment_list = :list${removed.length > 0 ? ` REMOVE ${removed.join(", ")}` : ""}`,
    ConditionExpression: conditions.join(" AND "),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * An item's first step towards folds: its own segments move, as they are when the update
 * applies, from `segments` to `recent_segments`; {@link FOLDED_NOTE} goes into `segments`, and
 * the item names `empty`, a list object of no segments. Only if the item has not split yet. It
 * copies the list on the server, so appends meanwhile do not make it lose (a write that read the
 * item before re-reads: its append is conditional on the layout it read).
 */
export function splitUpdate(empty: SegmentListRef): ItemUpdate {
  return {
    UpdateExpression: "SET #recent = #segments, #segments = :note, #segment_list = :empty",
    ConditionExpression: `${NEVER_LISTED} AND attribute_not_exists(#recent)`,
    ExpressionAttributeNames: {
      "#segments": "segments",
      "#recent": RECENT,
      "#segment_list": "segment_list",
    },
    ExpressionAttributeValues: { ":note": FOLDED_NOTE, ":empty": empty },
  };
}

/**
 * Undoes {@link splitUpdate} and every fold: `listed` (the segments of the list object `current`
 * names) and the item's own segments, as they are when the update applies, become `segments`
 * again, and the item names no list. Only if it still names the same list, so appends meanwhile
 * do not make it lose. For rolling back to code from before folds.
 */
export function unfoldUpdate(current: IndexRecord, listed: readonly SegmentRef[]): ItemUpdate {
  const names: Record<string, string> = { "#segments": "segments", "#recent": RECENT };
  const values: Record<string, unknown> = { ":listed": listed };
  return {
    UpdateExpression: "SET #segments = list_append(:listed, #recent) REMOVE #recent, #segment_list",
    ConditionExpression: sameList(current, names, values),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/**
 * Records on the list `current` names that an unfold was refused, the item being unable to hold
 * every segment, while the index had `current.segments.length` segments (see
 * `SegmentListRef.unfoldRefusedAt`): writes then stop starting compactions to unfold it. Only if
 * the item still names that list. A new list object (a relist) carries no such mark, and an
 * unfold removes the list.
 */
export function unfoldRefusedUpdate(current: IndexRecord): ItemUpdate {
  const names: Record<string, string> = { "#refused": "unfold_refused_at" };
  const values: Record<string, unknown> = { ":refused": current.segments.length };
  return {
    UpdateExpression: "SET #segment_list.#refused = :refused",
    ConditionExpression: sameList(current, names, values),
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

/** The attribute that holds `current`'s own segments. */
function ownAttribute(current: IndexRecord): string {
  return current.segmentList ? RECENT : "segments";
}

/** The segments the item itself holds (after the listed ones). */
function owned(current: IndexRecord): readonly SegmentRef[] {
  return current.segments.slice(current.segmentList?.count ?? 0);
}

/** The condition that the item names the same list object as `current` (or none). */
function sameList(
  current: IndexRecord,
  names: Record<string, string>,
  values: Record<string, unknown>,
): string {
  names["#segment_list"] = "segment_list";
  if (!current.segmentList) return NEVER_LISTED;
  names["#key"] = "key";
  values[":list_key"] = current.segmentList.key;
  return SAME_LIST;
}

/** Conditions that the item's own segments `[start, end)` are still those of `current`. */
function sameOwn(
  current: IndexRecord,
  start: number,
  end: number,
  names: Record<string, string>,
  values: Record<string, unknown>,
): string[] {
  const own = owned(current);
  const conditions: string[] = [];
  for (let i = start; i < end; i++) {
    values[`:id${i}`] = (own[i] as SegmentRef).id;
    conditions.push(`#segments[${i}].#id = :id${i}`);
  }
  if (conditions.length > 0)
    Object.assign(names, { "#segments": ownAttribute(current), "#id": "id" });
  return conditions;
}

/**
 * `#segments[i]` for the positions `[start, end)`, last first. DynamoDB applies a REMOVE of list
 * positions to the list as it was, dynalite one position after another; from the last to the
 * first, both remove the same elements.
 */
function positionsDescending(start: number, end: number): string[] {
  const paths: string[] = [];
  for (let i = end - 1; i >= start; i--) paths.push(`#segments[${i}]`);
  return paths;
}
