import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  type PutCommandInput,
} from "@aws-sdk/lib-dynamodb";
import type { LeaseStore } from "../app/work-ports";
import { isConditionFailed } from "./dynamo-errors";

// Named pieces of the lease's conditional writes: free, expired, or already ours.
const FREE = "attribute_not_exists(#index_name)";
const EXPIRED = "#expires_at_ms < :now_ms";
const OURS = "#job_id = :job_id";
const UNEXPIRED = "#expires_at_ms >= :now_ms";

/**
 * {@link LeaseStore} on a DynamoDB table keyed by `index_name`. Expiry is checked in the write's
 * condition (`expires_at_ms`); `expires_at` (epoch seconds) is only for DynamoDB's TTL clean-up.
 */
export class DynamoLeaseStore implements LeaseStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async acquire(
    indexName: string,
    jobId: string,
    nowMs: number,
    ttlMs: number,
  ): Promise<{ acquired: true } | { acquired: false; holder: string }> {
    const taken = await this.putLease(indexName, jobId, nowMs + ttlMs, {
      ConditionExpression: `${FREE} OR ${EXPIRED} OR ${OURS}`,
      ExpressionAttributeNames: {
        "#index_name": "index_name",
        "#expires_at_ms": "expires_at_ms",
        "#job_id": "job_id",
      },
      ExpressionAttributeValues: { ":now_ms": nowMs, ":job_id": jobId },
    });
    if (taken) return { acquired: true };
    // dynalite ignores ReturnValuesOnConditionCheckFailure: read the holder separately.
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { index_name: indexName },
        ConsistentRead: true,
      }),
    );
    return { acquired: false, holder: String(out.Item?.job_id ?? "unknown") };
  }

  renew(indexName: string, jobId: string, nowMs: number, ttlMs: number): Promise<boolean> {
    return this.putLease(indexName, jobId, nowMs + ttlMs, {
      ConditionExpression: `${OURS} AND ${UNEXPIRED}`,
      ExpressionAttributeNames: { "#job_id": "job_id", "#expires_at_ms": "expires_at_ms" },
      ExpressionAttributeValues: { ":job_id": jobId, ":now_ms": nowMs },
    });
  }

  takeOver(
    indexName: string,
    fromJobId: string,
    jobId: string,
    nowMs: number,
    ttlMs: number,
  ): Promise<boolean> {
    return this.putLease(indexName, jobId, nowMs + ttlMs, {
      ConditionExpression: OURS,
      ExpressionAttributeNames: { "#job_id": "job_id" },
      ExpressionAttributeValues: { ":job_id": fromJobId },
    });
  }

  /** Writes `jobId`'s lease until `expiresAtMs` if `condition` holds; whether it did. */
  private async putLease(
    indexName: string,
    jobId: string,
    expiresAtMs: number,
    condition: Pick<
      PutCommandInput,
      "ConditionExpression" | "ExpressionAttributeNames" | "ExpressionAttributeValues"
    >,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            index_name: indexName,
            job_id: jobId,
            expires_at_ms: expiresAtMs,
            expires_at: Math.ceil(expiresAtMs / 1000),
          },
          ...condition,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  async holder(indexName: string, nowMs: number): Promise<string | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { index_name: indexName },
        ConsistentRead: true,
      }),
    );
    const item = out.Item as { job_id?: string; expires_at_ms?: number } | undefined;
    return item?.job_id && Number(item.expires_at_ms) >= nowMs ? item.job_id : undefined;
  }

  async clear(indexName: string): Promise<void> {
    await this.db.send(
      new DeleteCommand({ TableName: this.table, Key: { index_name: indexName } }),
    );
  }

  async release(indexName: string, jobId: string): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: { index_name: indexName },
          ConditionExpression: OURS,
          ExpressionAttributeNames: { "#job_id": "job_id" },
          ExpressionAttributeValues: { ":job_id": jobId },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err; // someone else's lease now: leave it
    }
  }
}
