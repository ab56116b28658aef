import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { JobStore } from "../app/work-ports";
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

  async progress(
    jobId: string,
    update: {
      round?: number;
      builds_planned?: number;
      builds_done?: number;
      addBuildsDone?: number;
    },
  ): Promise<void> {
    const sets: string[] = [];
    const names: Record<string, string> = { "#status": "status", "#progress": "progress" };
    const values: Record<string, unknown> = { ":running": "RUNNING" };
    for (const field of ["round", "builds_planned", "builds_done"] as const) {
      if (update[field] === undefined) continue;
      names[`#${field}`] = field;
      values[`:${field}`] = update[field];
      sets.push(`#progress.#${field} = :${field}`);
    }
    const adds: string[] = [];
    if (update.addBuildsDone) {
      names["#builds_done"] = "builds_done";
      values[":add"] = update.addBuildsDone;
      adds.push("#progress.#builds_done :add");
    }
    if (sets.length === 0 && adds.length === 0) return;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { job_id: jobId },
          UpdateExpression: [
            sets.length > 0 ? `SET ${sets.join(", ")}` : "",
            adds.length > 0 ? `ADD ${adds.join(", ")}` : "",
          ]
            .filter(Boolean)
            .join(" "),
          ConditionExpression: STILL_RUNNING,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err; // finished meanwhile: its record is final
    }
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
