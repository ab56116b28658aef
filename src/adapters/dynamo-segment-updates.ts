import type { IndexRecord, SegmentListRef } from "../domain/index-record";
import type { SegmentRef } from "../domain/segment";

// The UpdateItem requests that change an index item's segments, built from the record they
// apply to. Plain data: the catalog sends them (and adds the incarnation's condition to each).

/** One UpdateItem's expressions, names and values (without the incarnation's condition). */
export interface ItemUpdate {
  readonly UpdateExpression: string;
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
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
const FOLDED = "attribute_exists(#segment_list)";

/**
 * Appends `segment` with the new live `count`, bumping `data_version`: only if the data and the
 * item's layout are as read (a write that read the item before its first fold re-reads).
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
    ConditionExpression: `${UNCHANGED_SINCE_READ} AND ${current.segmentList ? FOLDED : NEVER_LISTED}`,
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
 * lose, except on the item's first fold, which also moves the item's own segments to
 * `recent_segments` (written whole, so only if no write appended since) and leaves
 * {@link FOLDED_NOTE} in `segments`.
 */
export function relistUpdate(
  current: IndexRecord,
  list: SegmentListRef,
  removeOwn: number,
): ItemUpdate {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ":list": list };
  const conditions = [
    sameList(current, names, values),
    ...sameOwn(current, 0, removeOwn, names, values),
  ];
  let update: string;
  if (current.segmentList) {
    const removed = positionsDescending(0, removeOwn);
    update = `SET #segment_list = :list${removed.length > 0 ? ` REMOVE ${removed.join(", ")}` : ""}`;
  } else {
    Object.assign(names, { "#segments": "segments", "#recent": RECENT });
    values[":own"] = owned(current).slice(removeOwn);
    values[":own_count"] = owned(current).length;
    values[":note"] = FOLDED_NOTE;
    conditions.push("size(#segments) = :own_count");
    update = "SET #segment_list = :list, #recent = :own, #segments = :note";
  }
  return {
    UpdateExpression: update,
    ConditionExpression: conditions.join(" AND "),
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
