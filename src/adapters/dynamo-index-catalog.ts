import { type AttributeValue, type DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  ScanCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { type IndexCatalog, LOST_RACE, type Page } from "../app/ports";
import type { ActiveGeneration, IndexHead, IndexRecord } from "../domain/index-record";
import type { MaintenanceSettings } from "../domain/maintenance";
import { INDEX_NAME_PATTERN, type Metric } from "../domain/metric";
import { decodeCursor, encodeCursor } from "../domain/page-token";
import type { SegmentRef } from "../domain/segment";
import { isConditionFailed } from "./dynamo-errors";

/** The item as stored: snake_case attributes, keyed by `name`. */
interface IndexItem {
  name: string;
  uid: string;
  dimension: number;
  metric: Metric;
  count: number;
  data_version: number;
  vectors_written?: number;
  segments: SegmentRef[];
  created_at: string;
  updated_at: string;
  active?: ActiveGeneration;
  maintenance?: Partial<MaintenanceSettings>;
}

// Named pieces of the conditional writes.
const NAME_IS_FREE = "attribute_not_exists(#name)";
const SAME_INCARNATION = "#uid = :uid";
const UNCHANGED_SINCE_READ = "#data_version = :expected_version";
const SAME_SEGMENT_COUNT = "size(#segments) = :segment_count";
const NEVER_ACTIVATED = "attribute_not_exists(#active)";
const SAME_ACTIVE_GENERATION = "#active.#generation = :expected_generation";

const isIndexName = (value: unknown) => typeof value === "string" && INDEX_NAME_PATTERN.test(value);

/** {@link IndexCatalog} on one DynamoDB table. */
export class DynamoIndexCatalog implements IndexCatalog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    /**
     * A plain client for the hot read (`getHead`, once per search): the document client
     * resolves its middleware on every call, a plain client with `cacheMiddleware` once.
     */
    private readonly fast?: DynamoDBClient,
  ) {}

  async get(name: string): Promise<IndexRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { name }, ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item as IndexItem) : undefined;
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
    const items = (out.Items ?? []).map((item) => fromItem(item as IndexItem));
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
    return this.conditionalUpdate(current, {
      UpdateExpression:
        "SET #segments = list_append(#segments, :segment), #count = :count, #data_version = :next_version, #vectors_written = :vectors_written, #updated_at = :now",
      ConditionExpression: `${SAME_INCARNATION} AND ${UNCHANGED_SINCE_READ}`,
      ExpressionAttributeNames: {
        "#segments": "segments",
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
    });
  }

  replaceRun(
    current: IndexRecord,
    start: number,
    end: number,
    merged: SegmentRef | null,
  ): Promise<IndexRecord | typeof LOST_RACE> {
    const names: Record<string, string> = { "#segments": "segments", "#id": "id" };
    const values: Record<string, unknown> = {
      ":segment_count": current.segments.length,
      ":segments": [
        ...current.segments.slice(0, start),
        ...(merged ? [merged] : []),
        ...current.segments.slice(end),
      ],
    };
    // Same incarnation, no segment appended since, and the replaced ones still in place.
    const conditions = [SAME_INCARNATION, SAME_SEGMENT_COUNT];
    for (let i = start; i < end; i++) {
      values[`:id${i}`] = (current.segments[i] as SegmentRef).id;
      conditions.push(`#segments[${i}].#id = :id${i}`);
    }
    return this.conditionalUpdate(current, {
      UpdateExpression: "SET #segments = :segments",
      ConditionExpression: conditions.join(" AND "),
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }

  setActive(
    current: IndexRecord,
    active: ActiveGeneration,
  ): Promise<IndexRecord | typeof LOST_RACE> {
    const expected = current.active?.generation;
    return this.conditionalUpdate(current, {
      UpdateExpression: "SET #active = :active",
      ConditionExpression: `${SAME_INCARNATION} AND ${expected === undefined ? NEVER_ACTIVATED : SAME_ACTIVE_GENERATION}`,
      ExpressionAttributeNames: {
        "#active": "active",
        ...(expected === undefined ? {} : { "#generation": "generation" }),
      },
      ExpressionAttributeValues: {
        ":active": active,
        ...(expected === undefined ? {} : { ":expected_generation": expected }),
      },
    });
  }

  setMaintenance(
    current: IndexRecord,
    maintenance: Partial<MaintenanceSettings>,
  ): Promise<IndexRecord | typeof LOST_RACE> {
    return this.conditionalUpdate(current, {
      UpdateExpression: "SET #maintenance = :maintenance",
      ConditionExpression: SAME_INCARNATION,
      ExpressionAttributeNames: { "#maintenance": "maintenance" },
      ExpressionAttributeValues: { ":maintenance": maintenance },
    });
  }

  /**
   * One conditional UpdateItem on `current`'s item; every condition includes
   * {@link SAME_INCARNATION}, whose names and values are added here. The new record, or
   * {@link LOST_RACE} when the condition did not hold.
   */
  private async conditionalUpdate(
    current: IndexRecord,
    update: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeNames: Record<string, string>;
      ExpressionAttributeValues: Record<string, unknown>;
    },
  ): Promise<IndexRecord | typeof LOST_RACE> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { name: current.name },
          ...update,
          ExpressionAttributeNames: { ...update.ExpressionAttributeNames, "#uid": "uid" },
          ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ":uid": current.uid },
          ReturnValues: "ALL_NEW",
        }),
      );
      return fromItem(out.Attributes as IndexItem);
    } catch (err) {
      if (isConditionFailed(err)) return LOST_RACE;
      throw err;
    }
  }

  async remove(name: string): Promise<IndexRecord | undefined> {
    const out = await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { name }, ReturnValues: "ALL_OLD" }),
    );
    return out.Attributes ? fromItem(out.Attributes as IndexItem) : undefined;
  }
}

function toItem(r: IndexRecord): IndexItem {
  return {
    name: r.name,
    uid: r.uid,
    dimension: r.dimension,
    metric: r.metric,
    count: r.count,
    data_version: r.dataVersion,
    vectors_written: r.vectorsWritten,
    segments: [...r.segments],
    created_at: r.createdAt,
    updated_at: r.updatedAt,
    ...(r.active ? { active: r.active } : {}),
    ...(r.maintenance ? { maintenance: r.maintenance } : {}),
  };
}

function fromItem(item: IndexItem): IndexRecord {
  return {
    name: item.name,
    uid: item.uid,
    dimension: Number(item.dimension),
    metric: item.metric,
    count: Number(item.count),
    dataVersion: Number(item.data_version),
    vectorsWritten: Number(item.vectors_written ?? 0),
    segments: (item.segments ?? []).map((s) => ({
      id: s.id,
      vectors: Number(s.vectors),
      deletes: Number(s.deletes),
      bytes: Number(s.bytes ?? 0),
      min_version: Number(s.min_version ?? 0),
      max_version: Number(s.max_version ?? 0),
    })),
    createdAt: item.created_at,
    updatedAt: item.updated_at,
    active: activeOf(item.active),
    ...(item.maintenance ? { maintenance: item.maintenance } : {}),
  };
}

function activeOf(active: ActiveGeneration | undefined): ActiveGeneration | null {
  return active
    ? {
        ...active,
        generation: Number(active.generation),
        data_version: Number(active.data_version),
      }
    : null;
}
