import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from "@aws-sdk/lib-dynamodb";
import type { JobStore } from "../app/ports";
import type { Job } from "../domain/autotune";
import { isConditionFailed } from "./dynamo-errors";

// Named pieces of the job writes.
const NEW_JOB = "attribute_not_exists(#job_id)";
const STILL_RUNNING = "#status = :running";

/** {@link JobStore} on a DynamoDB table keyed by `job_id`, with a `by_index` GSI for listing. */
export class DynamoJobStore implements JobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(job: Job): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: job,
        ConditionExpression: NEW_JOB,
        ExpressionAttributeNames: { "#job_id": "job_id" },
      }),
    );
  }

  async finish(job: Job): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: job,
          ConditionExpression: STILL_RUNNING,
          ExpressionAttributeNames: { "#status": "status" },
          ExpressionAttributeValues: { ":running": "RUNNING" },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  async get(jobId: string): Promise<Job | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { job_id: jobId }, ConsistentRead: true }),
    );
    return out.Item as Job | undefined;
  }

  async listByIndex(indexName: string, limit: number): Promise<Job[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: "by_index",
        KeyConditionExpression: "#index_name = :index_name",
        ExpressionAttributeNames: { "#index_name": "index_name" },
        ExpressionAttributeValues: { ":index_name": indexName },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []) as Job[];
  }
}
