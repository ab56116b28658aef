import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ImportStore } from "../app/ports";
import type { ImportJob } from "../domain/import-job";
import { isConditionFailed } from "./dynamo-errors";

/** {@link ImportStore} on a DynamoDB table keyed by `import_id`. */
export class DynamoImportStore implements ImportStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(job: ImportJob): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: job,
        ConditionExpression: "attribute_not_exists(#id)",
        ExpressionAttributeNames: { "#id": "import_id" },
      }),
    );
  }

  async get(importId: string): Promise<ImportJob | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { import_id: importId }, ConsistentRead: true }),
    );
    return out.Item as ImportJob | undefined;
  }

  async planned(importId: string, rows: number, chunks: number): Promise<void> {
    await this.update(
      importId,
      "SET #rows_total = :rows, #chunks_total = :chunks, #updated_at = :at",
      { ":rows": rows, ":chunks": chunks, ":at": new Date().toISOString() },
    );
  }

  async chunkDone(importId: string, rows: number): Promise<void> {
    await this.update(importId, "SET #updated_at = :at ADD #rows_done :rows, #chunks_done :one", {
      ":rows": rows,
      ":one": 1,
      ":at": new Date().toISOString(),
    });
  }

  async finish(
    importId: string,
    status: "SUCCEEDED" | "FAILED",
    error: string | null,
    at: string,
  ): Promise<ImportJob | undefined> {
    await this.update(importId, "SET #status = :status, #error = :error, #finished_at = :at", {
      ":status": status,
      ":error": error,
      ":at": at,
    });
    return this.get(importId);
  }

  /** An update of a running job; a finished job's record is final (the update is dropped). */
  private async update(importId: string, expression: string, values: Record<string, unknown>) {
    const names: Record<string, string> = { "#status": "status" };
    for (const name of expression.match(/#\w+/g) ?? []) names[name] = name.slice(1);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { import_id: importId },
          UpdateExpression: expression,
          ConditionExpression: "#status = :running",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ":running": "RUNNING" },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }
}
