import { type AttributeValue, type DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import pLimit from "p-limit";
import { CatalogItemTooLargeError, type IndexCatalog, LOST_RACE, type Page } from "../app/ports";
import { FOLD_BATCH } from "../domain/compaction";
import type {
  ActiveGeneration,
  IdDirectoryRef,
  IndexHead,
  IndexRecord,
} from "../domain/index-record";
import type { MaintenanceSettings } from "../domain/maintenance";
import { INDEX_NAME_PATTERN } from "../domain/metric";
import { decodeCursor, encodeCursor } from "../domain/page-token";
import type { SegmentRef } from "../domain/segment";
import { isConditionFailed, isItemTooLarge } from "./dynamo-errors";
import { activeOf, fromItem, type IndexItem, toItem } from "./dynamo-index-item";
import { IndexItems } from "./dynamo-index-items";
import { activeUpdate, idDirectoryUpdate, maintenanceUpdate } from "./dynamo-pointer-updates";
import {
  appendUpdate,
  editOwnUpdate,
  relistUpdate,
  splitUpdate,
  unfoldRefusedUpdate,
  unfoldUpdate,
} from "./dynamo-segment-updates";
import type { SegmentLists } from "./segment-lists";

/** A create's condition: no index of that name exists. */
const NAME_IS_FREE = "attribute_not_exists(#name)";

/** List objects an index listing reads at once (one per folded index of the page), by default. */
const LIST_OBJECT_READS = 16;

const isIndexName = (value: unknown) => typeof value === "string" && INDEX_NAME_PATTERN.test(value);

/**
 * {@link IndexCatalog} on one DynamoDB table, one item per index. The item lists the segments
 * that still change (writes append to it, merges replace runs of it); full segments move, in
 * folds, into immutable list objects in S3 ({@link SegmentLists}) that the item names. So the
 * item, which every write rewrites (DynamoDB bills a write by the item's size and caps an item at
 * 400 KB), stays small whatever the size of the index. Every change is one conditional UpdateItem
 * ({@link IndexItems}).
 */
export class DynamoIndexCatalog implements IndexCatalog {
  /** The item-level reads and conditional updates every operation goes through. */
  private readonly items: IndexItems;

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly lists: SegmentLists,
    /**
     * A plain client for the hot read (`getHead`, once per search): the document client
     * resolves its middleware on every call, a plain client with `cacheMiddleware` once.
     */
    private readonly fast?: DynamoDBClient,
    /** List objects an index listing reads at once (default {@link LIST_OBJECT_READS}). */
    private readonly listObjectReads = LIST_OBJECT_READS,
  ) {
    this.items = new IndexItems(db, table, lists);
  }

  get(name: string): Promise<IndexRecord | undefined> {
    return this.items.read(name);
  }

  async getHead(name: string): Promise<IndexHead | undefined> {
    const request = {
      TableName: this.table,
      ConsistentRead: true,
      ProjectionExpression: "#name, #uid, #data_version, #count, #active",
      ExpressionAttributeNames: {
        "#name": "name",
        "#uid": "uid",
        "#data_version": "data_version",
        "#count": "count",
        "#active": "active",
      },
    };
    const found = this.fast
      ? (await this.fast.send(new GetItemCommand({ ...request, Key: { name: { S: name } } }))).Item
      : (await this.db.send(new GetCommand({ ...request, Key: { name } }))).Item;
    if (!found) return undefined;
    const item = (this.fast ? unmarshall(found as Record<string, AttributeValue>) : found) as Pick<
      IndexItem,
      "name" | "uid" | "data_version" | "count" | "active"
    >;
    return {
      name: item.name,
      uid: item.uid,
      dataVersion: Number(item.data_version),
      count: Number(item.count),
      active: activeOf(item.active),
    };
  }

  async list(limit: number, cursor?: string): Promise<Page<IndexRecord>> {
    const out = await this.db.send(
      new ScanCommand({
        TableName: this.table,
        ConsistentRead: true,
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: decodeCursor(cursor, { name: isIndexName }) } : {}),
      }),
    );
    // The list objects of a page's folded indexes are read at once, a few at a time.
    const reads = pLimit(this.listObjectReads);
    const read = await Promise.all(
      (out.Items ?? []).map((found) =>
        reads(async () => {
          const item = fromItem(found as IndexItem);
          return (await this.items.withListed(item)) ?? (await this.get(item.name));
        }),
      ),
    );
    const items = read.filter((record): record is IndexRecord => record !== undefined);
    return {
      items: items.sort((a, b) => a.name.localeCompare(b.name)),
      next: out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey) : undefined,
    };
  }

  async create(record: IndexRecord): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: toItem(record),
          ConditionExpression: NAME_IS_FREE,
          ExpressionAttributeNames: { "#name": "name" },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  appendSegment(
    current: IndexRecord,
    segment: SegmentRef,
    count: number,
    now: string,
  ): Promise<IndexRecord | typeof LOST_RACE> {
    return this.items.update(current, appendUpdate(current, segment, count, now));
  }

  replaceRun(
    current: IndexRecord,
    start: number,
    end: number,
    merged: SegmentRef | null,
  ): Promise<IndexRecord | typeof LOST_RACE> {
    const listed = current.segmentList?.count ?? 0;
    if (start >= listed) {
      const update = editOwnUpdate(current, start - listed, end - listed, merged);
      return update ? this.items.update(current, update) : Promise.resolve(current);
    }
    // The run reaches into the listed segments: they go into a new list object, with the merged
    // segment when the run also takes segments of the item's own (which then leave it).
    const segments = [
      ...current.segments.slice(0, start),
      ...(merged ? [merged] : []),
      ...current.segments.slice(end),
    ];
    const stillListed = end <= listed ? listed - (end - start) : start;
    const count = stillListed + (merged ? 1 : 0);
    return this.relist(current, segments.slice(0, count), Math.max(0, end - listed));
  }

  async fold(current: IndexRecord, count: number): Promise<IndexRecord | typeof LOST_RACE> {
    const listed = current.segmentList?.count ?? 0;
    if (!Number.isInteger(count) || count < 1 || count > FOLD_BATCH) {
      throw new RangeError(`a fold moves 1 to ${FOLD_BATCH} segments; got ${count}`);
    }
    if (listed + count > current.segments.length) {
      throw new RangeError(
        `a fold of ${count} segments needs that many in the item; it holds ${current.segments.length - listed}`,
      );
    }
    const split = current.segmentList ? current : await this.split(current);
    if (split === LOST_RACE) return LOST_RACE;
    const moving = current.segments.slice(0, listed + count);
    if (!moving.every((ref, i) => split.segments[i]?.id === ref.id)) return LOST_RACE;
    const folded = await this.relist(split, moving, count);
    // A list of none (a split's) is read by no one once replaced: readers never fetch it.
    const replaced = split.segmentList;
    if (folded !== LOST_RACE && replaced?.count === 0) {
      await this.lists.discard(replaced.key).catch(() => undefined);
    }
    return folded;
  }

  /**
   * An item's first fold splits it first (see {@link splitUpdate}): one update that appends
   * meanwhile do not make lose, naming a list object of no segments (so readers of the version
   * before this one find it; this one never reads it). A lost race deletes that object.
   */
  private async split(current: IndexRecord): Promise<IndexRecord | typeof LOST_RACE> {
    const key = await this.lists.write(current, []);
    const result = await this.items.update(current, splitUpdate({ key, count: 0 }));
    if (result === LOST_RACE) await this.lists.discard(key).catch(() => undefined);
    return result;
  }

  async unfold(current: IndexRecord): Promise<IndexRecord | typeof LOST_RACE> {
    if (!current.segmentList) return current;
    const listed = current.segments.slice(0, current.segmentList.count);
    try {
      return await this.items.update(current, unfoldUpdate(current, listed));
    } catch (err) {
      if (!isItemTooLarge(err)) throw err;
      // Marked, so writes stop starting compactions that would be refused again. A lost race
      // (the list changed) leaves nothing to mark: the next compaction plans afresh.
      await this.items.update(current, unfoldRefusedUpdate(current));
      throw new CatalogItemTooLargeError(
        `index "${current.name}" has ${current.segments.length} segments, more than its catalog item can hold (DynamoDB's 400 KB); it stays folded, and compaction tries again only once it has fewer segments or another list`,
      );
    }
  }

  /**
   * Writes `listed` (the first segments of the index) as a new list object and points the item
   * at it, removing the item's first `removeOwn` segments (see {@link relistUpdate}). A lost race
   * deletes the new object.
   */
  private async relist(
    current: IndexRecord,
    listed: readonly SegmentRef[],
    removeOwn: number,
  ): Promise<IndexRecord | typeof LOST_RACE> {
    const key = await this.lists.write(current, listed);
    const result = await this.items.update(
      current,
      relistUpdate(current, { key, count: listed.length }, removeOwn),
    );
    if (result === LOST_RACE) await this.lists.discard(key).catch(() => undefined);
    return result;
  }

  setActive(
    current: IndexRecord,
    active: ActiveGeneration,
  ): Promise<IndexRecord | typeof LOST_RACE> {
    return this.items.update(current, activeUpdate(current, active));
  }

  setIdDirectory(
    current: IndexRecord,
    directory: IdDirectoryRef | null,
  ): Promise<IndexRecord | typeof LOST_RACE> {
    return this.items.update(current, idDirectoryUpdate(current, directory));
  }

  setMaintenance(
    current: IndexRecord,
    maintenance: Partial<MaintenanceSettings>,
  ): Promise<IndexRecord | typeof LOST_RACE> {
    return this.items.update(current, maintenanceUpdate(maintenance));
  }

  async remove(name: string): Promise<IndexRecord | undefined> {
    const out = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { name }, ReturnValues: "ALL_OLD" }),
    );
    if (!out.Attributes) return undefined;
    const item = fromItem(out.Attributes as IndexItem);
    // What the record was; should its list object be gone already, without those segments.
    return (await this.items.withListed(item).catch(() => undefined)) ?? item;
  }
}
