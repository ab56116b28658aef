import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/** True when a DynamoDB write was refused because its condition did not hold. */
export function isConditionFailed(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err as { name?: string } | null)?.name === "ConditionalCheckFailedException"
  );
}

/** True when DynamoDB refused a write because the item would pass its 400 KB cap. */
export function isItemTooLarge(err: unknown): boolean {
  const { name, message } = (err ?? {}) as { name?: string; message?: string };
  return name === "ValidationException" && /item size/i.test(message ?? "");
}
