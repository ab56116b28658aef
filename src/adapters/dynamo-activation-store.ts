import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ActivationStore } from "../app/ports";
import type { ActivationFailure, ActivationJob } from "../domain/activation-job";
import { isConditionFailed } from "./dynamo-errors";

/** {@link ActivationStore} on a DynamoDB table keyed by `index_name` and `activation_id`. */
export class DynamoActivationStore implements ActivationStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(job: ActivationJob): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: job,
        ConditionExpression: "attribute_not_exists(#id)",
        ExpressionAttributeNames: { "#id": "activation_id" },
      }),
    );
  }

  async get(indexName: string, activationId: string): Promise<ActivationJob | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { index_name: indexName, activation_id: activationId },
        ConsistentRead: true,
      }),
    );
    return out.Item as ActivationJob | undefined;
  }

  async finish(
    indexName: string,
    activationId: string,
    end: { readonly result: unknown } | { readonly error: ActivationFailure },
    at: string,
  ): Promise<boolean> {
    const ok = "result" in end;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { index_name: indexName, activation_id: activationId },
          // Only a running job ends, once: a retried task's late word changes nothing.
          ConditionExpression: "#status = :running",
          UpdateExpression: "SET #status = :status, #finished_at = :at, #outcome = :outcome",
          ExpressionAttributeNames: {
            "#status": "status",
            "#finished_at": "finished_at",
            "#outcome": ok ? "result" : "error",
          },
          ExpressionAttributeValues: {
            ":running": "RUNNING",
            ":status": ok ? "SUCCEEDED" : "FAILED",
            ":at": at,
            ":outcome": ok ? end.result : end.error,
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }
}
