import {
  type AttributeDefinition,
  CreateTableCommand,
  type KeySchemaElement,
  ResourceInUseException,
} from "@aws-sdk/client-dynamodb";
import { BucketAlreadyOwnedByYou, CreateBucketCommand } from "@aws-sdk/client-s3";
import { type KeySpec, TABLES, type TableKey, type TableSpec } from "../../infra/tables";
import type { Clients } from "../clients";
import type { Settings } from "../settings";

/** CreateTable input for a table spec (the CDK stack builds the same keys from the same spec). */
export function createTableInput(spec: TableSpec, tableName: string) {
  const keys = [spec.partitionKey, ...(spec.sortKey ? [spec.sortKey] : [])];
  const KeySchema: KeySchemaElement[] = keys.map((k, i) => ({
    AttributeName: k.name,
    KeyType: i === 0 ? "HASH" : "RANGE",
  }));
  const AttributeDefinitions: AttributeDefinition[] = keys.map((k) => ({
    AttributeName: k.name,
    AttributeType: k.type,
  }));
  const keySchema = (partition: KeySpec, sort?: KeySpec): KeySchemaElement[] => [
    { AttributeName: partition.name, KeyType: "HASH" },
    ...(sort ? [{ AttributeName: sort.name, KeyType: "RANGE" as const }] : []),
  ];
  const definitions = new Map(AttributeDefinitions.map((d) => [d.AttributeName, d]));
  for (const gsi of spec.globalIndexes ?? []) {
    for (const k of [gsi.partitionKey, ...(gsi.sortKey ? [gsi.sortKey] : [])]) {
      definitions.set(k.name, { AttributeName: k.name, AttributeType: k.type });
    }
  }
  return {
    TableName: tableName,
    KeySchema,
    AttributeDefinitions: [...definitions.values()],
    BillingMode: "PAY_PER_REQUEST" as const,
    ...(spec.globalIndexes
      ? {
          GlobalSecondaryIndexes: spec.globalIndexes.map((gsi) => ({
            IndexName: gsi.indexName,
            KeySchema: keySchema(gsi.partitionKey, gsi.sortKey),
            Projection: { ProjectionType: "ALL" as const },
          })),
        }
      : {}),
  };
}

/** Creates the bucket and every table of {@link TABLES} unless they exist. */
export async function ensureResources(clients: Clients, settings: Settings): Promise<void> {
  try {
    await clients.s3.send(new CreateBucketCommand({ Bucket: settings.bucket }));
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (
      !(err instanceof BucketAlreadyOwnedByYou) &&
      name !== "BucketAlreadyExists" &&
      name !== "BucketAlreadyOwnedByYou"
    ) {
      throw err;
    }
  }
  await Promise.all(
    (Object.keys(TABLES) as TableKey[]).map(async (key) => {
      try {
        await clients.dynamodb.send(
          new CreateTableCommand(createTableInput(TABLES[key], settings.tables[key])),
        );
      } catch (err) {
        if (
          !(err instanceof ResourceInUseException) &&
          (err as { name?: string }).name !== "ResourceInUseException"
        ) {
          throw err;
        }
      }
    }),
  );
}
