import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  paginateScan,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { PolicyStore } from "../app/ports";
import type { Policy, PolicySettings } from "../domain/autotune-policy";
import { isConditionFailed } from "./dynamo-errors";

const POLICY_EXISTS = "attribute_exists(#index_name)";

/** {@link PolicyStore} on a DynamoDB table keyed by `index_name`. */
export class DynamoPolicyStore implements PolicyStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(indexName: string): Promise<Policy | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { index_name: indexName },
        ConsistentRead: true,
      }),
    );
    return out.Item as Policy | undefined;
  }

  async put(settings: PolicySettings, now: string, vectorsWritten: number): Promise<Policy> {
    const out = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { index_name: settings.index_name },
        UpdateExpression: [
          "SET #harness = :harness, #index_uid = :index_uid, #strategy = :strategy",
          "#min_recall = :min_recall, #grid = :grid",
          "#space = :space, #max_builds = :max_builds",
          "#every_minutes = :every_minutes, #min_new_vectors = :min_new_vectors, #updated_at = :now",
          // Bookkeeping: set once, then only by recordStart.
          "#created_at = if_not_exists(#created_at, :now)",
          "#last_started_at = if_not_exists(#last_started_at, :null)",
          "#last_job_id = if_not_exists(#last_job_id, :null)",
          "#written = if_not_exists(#written, :written)",
        ].join(", "),
        ExpressionAttributeNames: {
          "#harness": "harness",
          "#index_uid": "index_uid",
          "#strategy": "strategy",
          "#space": "space",
          "#max_builds": "max_builds",
          "#min_recall": "min_recall",
          "#grid": "grid",
          "#every_minutes": "every_minutes",
          "#min_new_vectors": "min_new_vectors",
          "#updated_at": "updated_at",
          "#created_at": "created_at",
          "#last_started_at": "last_started_at",
          "#last_job_id": "last_job_id",
          "#written": "vectors_written_at_last_start",
        },
        ExpressionAttributeValues: {
          ":harness": settings.harness,
          ":index_uid": settings.index_uid,
          ":strategy": settings.strategy,
          ":space": settings.space,
          ":max_builds": settings.max_builds,
          ":min_recall": settings.min_recall,
          ":grid": settings.grid,
          ":every_minutes": settings.every_minutes,
          ":min_new_vectors": settings.min_new_vectors,
          ":now": now,
          ":null": null,
          ":written": vectorsWritten,
        },
        ReturnValues: "ALL_NEW",
      }),
    );
    return out.Attributes as Policy;
  }

  async delete(indexName: string): Promise<boolean> {
    const out = await this.db.send(
      new DeleteCommand({
        TableName: this.table,
        Key: { index_name: indexName },
        ReturnValues: "ALL_OLD",
      }),
    );
    return out.Attributes !== undefined;
  }

  async list(): Promise<Policy[]> {
    const policies: Policy[] = [];
    for await (const page of paginateScan(
      { client: this.db },
      { TableName: this.table, ConsistentRead: true },
    )) {
      policies.push(...((page.Items ?? []) as Policy[]));
    }
    return policies;
  }

  async recordStart(
    indexName: string,
    jobId: string,
    at: string,
    vectorsWritten: number,
  ): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { index_name: indexName },
          UpdateExpression: "SET #last_started_at = :at, #last_job_id = :job, #written = :written",
          ConditionExpression: POLICY_EXISTS,
          ExpressionAttributeNames: {
            "#index_name": "index_name",
            "#last_started_at": "last_started_at",
            "#last_job_id": "last_job_id",
            "#written": "vectors_written_at_last_start",
          },
          ExpressionAttributeValues: { ":at": at, ":job": jobId, ":written": vectorsWritten },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err; // no policy: nothing to note
    }
  }
}
