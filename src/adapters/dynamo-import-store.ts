import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ImportStore } from "../app/work-ports";
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
    if (!out.Item) return undefined;
    const { done_chunks: _, ...job } = out.Item;
    return job as ImportJob;
  }

  async planned(importId: string, rows: number, chunks: number): Promise<void> {
    await this.update(
      importId,
      "SET #rows_total = :rows, #chunks_total = :chunks, #updated_at = :at",
      { ":rows": rows, ":chunks": chunks, ":at": new Date().toISOString() },
    );
  }

  async chunkDone(importId: string, first: number, rows: number): Promise<void> {
    // Counted once: a chunk retried after its commit (its first report lost) is not added again.
    await this.update(
      importId,
      "SET #updated_at = :at ADD #rows_done :rows, #chunks_done :one, #done_chunks :chunk",
      {
        ":rows": rows,
        ":one": 1,
        ":at": new Date().toISOString(),
        ":chunk": new Set([first]),
        ":first": first,
      },
      "(attribute_not_exists(#done_chunks) OR NOT contains(#done_chunks, :first))",
    );
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

  /**
   * An update of a running job (and `condition`, if given); a finished job's record is final
   * (the update is dropped, as is one whose condition fails).
   */
  private async update(
    importId: string,
    expression: string,
    values: Record<string, unknown>,
    condition?: string,
  ) {
    const names: Record<string, string> = { "#status": "status" };
    for (const name of `${expression} ${condition ?? ""}`.match(/#\w+/g) ?? []) {
      names[name] = name.slice(1);
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { import_id: importId },
          UpdateExpression: expression,
          ConditionExpression: condition
            ? `#status = :running AND ${condition}`
            : "#status = :running",
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...values, ":running": "RUNNING" },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
    }
  }
}
