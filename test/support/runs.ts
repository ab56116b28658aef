import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { expect } from "vitest";
import { DynamoRunStore } from "../../src/adapters/dynamo-run-store";
import { TaskRuns } from "../../src/app/task-runs";
import type { BackgroundTasks } from "../../src/app/work-ports";
import { createClients } from "../../src/clients";
import type { Settings } from "../../src/settings";
import type { Client } from "./http";

/** A run id (ULID). */
export const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * Polls `path` (an activation, a trial run, a harness run) until its status is not RUNNING; the
 * local task runs in this process.
 */
export async function untilEnded(api: Client, path: string) {
  for (;;) {
    const res = await api.get(path);
    expect(res.status).toBe(200);
    if (res.body.status !== "RUNNING") return res.body;
    await new Promise((ok) => setTimeout(ok, 20));
  }
}

/**
 * Runs over the stack's own table with other `tasks` (recorded and never run, or failing to
 * start) and, when given, a clock the test moves.
 */
export function taskRunsWith(settings: Settings, tasks: BackgroundTasks, now?: () => number) {
  return new TaskRuns({
    store: new DynamoRunStore(createClients(settings).doc, settings.tables.runs),
    tasks,
    ...(now && { now }),
  });
}

/** The records of every run on index `index` (of every kind), straight from the table. */
export async function runRecordsOf(settings: Settings, index: string) {
  const out = await createClients(settings).doc.send(
    new QueryCommand({
      TableName: settings.tables.runs,
      KeyConditionExpression: "#scope = :i",
      ExpressionAttributeNames: { "#scope": "scope" },
      ExpressionAttributeValues: { ":i": index },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}
