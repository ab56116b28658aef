import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from "@aws-sdk/lib-dynamodb";
import { LOST_RACE, type PromotionRegistry } from "../app/ports";
import type { PromotionRecord } from "../domain/promotion";
import { isConditionFailed } from "./dynamo-errors";

// Named pieces of the registry's one conditional write.
const NO_RECORD_YET = "attribute_not_exists(#index_name)";
const UNCHANGED_SINCE_READ = "#version = :expected_version";

/** {@link PromotionRegistry} on one DynamoDB table keyed by `index_name`: one item per index. */
export class DynamoPromotionRegistry implements PromotionRegistry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(indexName: string): Promise<PromotionRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { index_name: indexName },
        ConsistentRead: true,
      }),
    );
    return out.Item as PromotionRecord | undefined;
  }

  async remove(indexName: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { index_name: indexName } }),
    );
  }

  async put(next: PromotionRecord, expectedVersion: number): Promise<true | typeof LOST_RACE> {
    const first = expectedVersion === 0;
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: next,
          ConditionExpression: first ? NO_RECORD_YET : UNCHANGED_SINCE_READ,
          ExpressionAttributeNames: first
            ? { "#index_name": "index_name" }
            : { "#version": "version" },
          ...(first ? {} : { ExpressionAttributeValues: { ":expected_version": expectedVersion } }),
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return LOST_RACE;
      throw err;
    }
  }
}
