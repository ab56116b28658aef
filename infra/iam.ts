import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { FunctionAccess, ObjectVerb, TableAction } from "./function-spec";
import { STORAGE_AREAS, type StorageAreaName } from "./storage";
import type { TableKey } from "./tables";

/** The S3 actions each object verb stands for. */
export const OBJECT_ACTIONS: Readonly<Record<ObjectVerb, readonly string[]>> = {
  read: ["s3:GetObject"],
  // Streamed uploads go up in parts; a failed one is aborted.
  write: ["s3:PutObject", "s3:AbortMultipartUpload"],
  delete: ["s3:DeleteObject"],
};

/** The ARNs a function's grants name. */
export interface GrantTargets {
  /** The service bucket's ARN. */
  readonly bucketArn: string;
  /** Each table's ARN. */
  readonly tableArn: (key: TableKey) => string;
}

/** The DynamoDB action and resource of one declared table action. */
function tableGrant(action: TableAction, tableArn: string): { action: string; resource: string } {
  const [name, index] = action.split(":") as [string, string | undefined];
  return {
    action: `dynamodb:${name}`,
    resource: index === undefined ? tableArn : `${tableArn}/index/${index}`,
  };
}

/**
 * `access` with what reading the index catalog implies: an index's item names the immutable
 * object that lists its oldest segments (area `catalog`), and reading the item means reading that
 * object, so a function with any action on the `indexes` table may read the area.
 */
export function withCatalogLists(access: FunctionAccess): FunctionAccess {
  if (!access.tables?.indexes || access.objects?.catalog?.includes("read")) return access;
  const catalog: readonly ObjectVerb[] = ["read", ...(access.objects?.catalog ?? [])];
  return { ...access, objects: { ...access.objects, catalog } };
}

/**
 * The IAM statements that grant exactly `access` (the stack passes what
 * {@link withCatalogLists} gives): object actions on each storage area's key pattern, listing
 * only under the listed areas' prefixes, and each named DynamoDB action on its own table (or
 * index). Nothing else, and nothing on `*`.
 */
export function accessStatements(access: FunctionAccess, targets: GrantTargets): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  for (const [area, verbs] of Object.entries(access.objects ?? {}) as [
    StorageAreaName,
    readonly ObjectVerb[],
  ][]) {
    statements.push(
      new PolicyStatement({
        sid: `Objects${area[0]?.toUpperCase()}${area.slice(1)}`,
        actions: verbs.flatMap((verb) => OBJECT_ACTIONS[verb]),
        resources: [`${targets.bucketArn}/${STORAGE_AREAS[area].pattern}`],
      }),
    );
  }
  if (access.lists && access.lists.length > 0) {
    const prefixes = [...new Set(access.lists.map((area) => `${STORAGE_AREAS[area].listPrefix}*`))];
    statements.push(
      new PolicyStatement({
        sid: "ListAreas",
        actions: ["s3:ListBucket"],
        resources: [targets.bucketArn],
        conditions: { StringLike: { "s3:prefix": prefixes } },
      }),
    );
  }
  for (const [table, actions] of Object.entries(access.tables ?? {}) as [
    TableKey,
    readonly TableAction[],
  ][]) {
    const byResource = new Map<string, string[]>();
    for (const action of actions) {
      const grant = tableGrant(action, targets.tableArn(table));
      byResource.set(grant.resource, [...(byResource.get(grant.resource) ?? []), grant.action]);
    }
    for (const [resource, granted] of byResource) {
      statements.push(new PolicyStatement({ actions: granted, resources: [resource] }));
    }
  }
  return statements;
}
