import { ConditionalCheckFailedException } from "@aws-sdk/client-dynamodb";

/** True when a DynamoDB write was refused because its condition did not hold. */
export function isConditionFailed(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err as { name?: string } | null)?.name === "ConditionalCheckFailedException"
  );
}
