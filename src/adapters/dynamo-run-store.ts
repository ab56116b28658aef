import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { RunStore } from "../app/work-ports";
import type { ErrorRecord } from "../domain/errors";
import type { TaskRun } from "../domain/task-run";
import { isConditionFailed } from "./dynamo-errors";

/** {@link RunStore} on a DynamoDB table keyed by `scope` and `run_id`. */
export class DynamoRunStore implements RunStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(run: TaskRun): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: run,
        ConditionExpression: "attribute_not_exists(#id)",
        ExpressionAttributeNames: { "#id": "run_id" },
      }),
    );
  }

  async get(scope: string, runId: string): Promise<TaskRun | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { scope, run_id: runId },
        ConsistentRead: true,
      }),
    );
    return out.Item as TaskRun | undefined;
  }

  async finish(
    scope: string,
    runId: string,
    end: { readonly result: unknown } | { readonly error: ErrorRecord },
    at: string,
  ): Promise<boolean> {
    const ok = "result" in end;
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { scope, run_id: runId },
          // Only a running run ends, once: a retried task's late word changes nothing.
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
