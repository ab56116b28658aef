import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Page, TrialJournal } from "../app/ports";
import { decodeCursor, encodeCursor } from "../domain/page-token";
import type { Trial } from "../domain/trial";

// Named pieces of the journal's writes and reads.
const NEVER_OVERWRITE = "attribute_not_exists(#trial_id)";
const ONE_INDEX = "#index_name = :index_name";

/**
 * {@link TrialJournal} on one DynamoDB table: partition key `index_name`, sort key `trial_id`
 * (a ULID, so sort order is time order and "newest first" is one descending query).
 */
export class DynamoTrialJournal implements TrialJournal {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async append(trial: Trial): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: trial,
        ConditionExpression: NEVER_OVERWRITE,
        ExpressionAttributeNames: { "#trial_id": "trial_id" },
      }),
    );
  }

  async get(indexName: string, trialId: string): Promise<Trial | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { index_name: indexName, trial_id: trialId },
        ConsistentRead: true,
      }),
    );
    return out.Item as Trial | undefined;
  }

  async list(indexName: string, limit: number, cursor?: string): Promise<Page<Trial>> {
    const out = await this.db.send(
      new QueryCommand({
        ...this.byIndex(indexName),
        Limit: limit,
        ...(cursor
          ? {
              ExclusiveStartKey: decodeCursor(cursor, {
                index_name: (value) => value === indexName,
                trial_id: (value) => typeof value === "string",
              }),
            }
          : {}),
      }),
    );
    const items = (out.Items ?? []) as Trial[];
    return { items, next: out.LastEvaluatedKey ? encodeCursor(out.LastEvaluatedKey) : undefined };
  }

  async *all(indexName: string): AsyncIterable<Trial> {
    for await (const page of paginateQuery({ client: this.db }, this.byIndex(indexName))) {
      for (const item of page.Items ?? []) yield item as Trial;
    }
  }

  private byIndex(indexName: string) {
    return {
      TableName: this.table,
      KeyConditionExpression: ONE_INDEX,
      ExpressionAttributeNames: { "#index_name": "index_name" },
      ExpressionAttributeValues: { ":index_name": indexName },
      ScanIndexForward: false,
      ConsistentRead: true,
    };
  }
}
