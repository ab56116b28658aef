import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { LOST_RACE } from "../app/ports";
import type { IndexRecord } from "../domain/index-record";
import { isConditionFailed } from "./dynamo-errors";
import { fromItem, type IndexItem } from "./dynamo-index-item";
import type { ItemUpdate } from "./dynamo-segment-updates";
import { SegmentListFormatError, type SegmentLists } from "./segment-lists";

/** The condition every update of an index's item carries: the index is the same incarnation. */
const SAME_INCARNATION = "#uid = :uid";

/**
 * One UpdateItem's expressions, names and values, whose own condition is optional (the
 * incarnation's is added to every update).
 */
export type ItemChange = Omit<ItemUpdate, "ConditionExpression"> & {
  /** What must hold, besides the incarnation, for it to apply; none by default. */
  readonly ConditionExpression?: string;
};

/** How many times a read re-reads an item whose list object has gone (a fold replaced it). */
const LIST_REREADS = 3;

/** Raised when an index's item names a segment list object that is not there. */
export class SegmentListMissingError extends Error {
  override readonly name = "SegmentListMissingError";
}

/**
 * The index items of the catalog table, whole: an item read with the segments of the list
 * object it names in front of its own, and one conditional UpdateItem at a time (see
 * `DynamoIndexCatalog`, which builds the updates).
 */
export class IndexItems {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly lists: SegmentLists,
  ) {}

  /** The record of index `name` (item and list object), or `undefined` when there is none. */
  async read(name: string): Promise<IndexRecord | undefined> {
    for (let attempt = 0; ; attempt++) {
      const out = await this.db.send(
        new GetCommand({ TableName: this.table, Key: { name }, ConsistentRead: true }),
      );
      if (!out.Item) return undefined;
      const item = fromItem(out.Item as IndexItem);
      const record = await this.withListed(item);
      if (record) return record;
      // The list object was replaced by a fold, and swept, after the item was read.
      if (attempt >= LIST_REREADS) {
        throw new SegmentListMissingError(
          `index "${name}" names segment list ${item.segmentList?.key}, which is not in the bucket`,
        );
      }
    }
  }

  /**
   * One conditional UpdateItem on `current`'s item, on `update`'s condition (if any) and
   * {@link SAME_INCARNATION}, which is added here. The new record, or {@link LOST_RACE} when the
   * condition did not hold.
   */
  async update(current: IndexRecord, update: ItemChange): Promise<IndexRecord | typeof LOST_RACE> {
    const condition = update.ConditionExpression;
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { name: current.name },
          ...update,
          ConditionExpression: condition
            ? `${SAME_INCARNATION} AND ${condition}`
            : SAME_INCARNATION,
          ExpressionAttributeNames: { ...update.ExpressionAttributeNames, "#uid": "uid" },
          ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ":uid": current.uid },
          ReturnValues: "ALL_NEW",
        }),
      );
      const item = fromItem(out.Attributes as IndexItem);
      // A fold since `current` was read may name a list object swept since: read afresh.
      return (await this.withListed(item, current)) ?? (await this.read(current.name)) ?? LOST_RACE;
    } catch (err) {
      if (isConditionFailed(err)) return LOST_RACE;
      throw err;
    }
  }

  /**
   * `item` with the segments of the list object it names in front of its own (taken from `known`
   * when that names the same object); `undefined` when the object is not there.
   */
  async withListed(item: IndexRecord, known?: IndexRecord): Promise<IndexRecord | undefined> {
    const list = item.segmentList;
    if (!list || list.count === 0) return item;
    const listed =
      known?.segmentList?.key === list.key
        ? known.segments.slice(0, list.count)
        : await this.lists.read(item, list.key);
    if (!listed) return undefined;
    if (listed.length !== list.count) {
      throw new SegmentListFormatError(
        `segment list ${list.key} holds ${listed.length} segments; index "${item.name}" expects ${list.count}`,
      );
    }
    return { ...item, segments: [...listed, ...item.segments] };
  }
}
