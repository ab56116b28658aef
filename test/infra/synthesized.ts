import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll } from "vitest";
import { DEFAULT_CONFIG, type StackConfig } from "../../infra/config";
import type { TABLES } from "../../infra/tables";
import { VectordStack } from "../../infra/vectord-stack";

/** Where a test file's syntheses write their cloud assemblies (removed after its tests). */
const assemblies = mkdtempSync(join(tmpdir(), "vectord-infra-"));
let syntheses = 0;
afterAll(() => rmSync(assemblies, { recursive: true, force: true }));

/** Synthesizes the stack without bundling (these tests look at the template, not the code). */
export function synth(config: StackConfig = DEFAULT_CONFIG) {
  const app = new App({
    outdir: join(assemblies, String(syntheses++)),
    context: { "aws:cdk:bundling-stacks": [] },
  });
  const stack = new VectordStack(app, "Test", { config });
  // The alarms live in a nested stack of their own.
  const alarms = Template.fromStack(Stack.of(stack.monitoring));
  return { app, stack, template: Template.fromStack(stack), alarms };
}

/** One IAM policy statement, as synthesized. */
export type Statement = {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Effect: string;
  Condition?: unknown;
};

/** Reading a synthesized stack's IAM: logical ids, each function's statements, resource ARNs. */
export function iamOf(stack: VectordStack, template: Template) {
  const logicalId = (construct: { node: { defaultChild?: unknown } }) =>
    stack.getLogicalId(construct.node.defaultChild as never);
  const bucketId = () => logicalId(stack.storage.bucket);
  const tableId = (key: keyof typeof TABLES) => logicalId(stack.storage.tables[key]);

  /** Every statement of every policy attached to a function's role. */
  function statementsOf(functionId: string): Statement[] {
    const fn = stack.functions[functionId];
    if (!fn) throw new Error(`no function ${functionId}`);
    const roleId = logicalId(fn.role);
    const policies = template.findResources("AWS::IAM::Policy", {
      Properties: { Roles: [{ Ref: roleId }] },
    });
    return Object.values(policies).flatMap(
      (p) =>
        (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
          .PolicyDocument.Statement,
    );
  }

  /** A function's data statements (S3, DynamoDB), without logs, X-Ray and state machine access. */
  function dataStatements(functionId: string): Statement[] {
    return statementsOf(functionId).filter((s) =>
      [s.Action].flat().some((a) => /^(s3|dynamodb):/.test(a)),
    );
  }

  /** The ARN of the bucket's objects under `pattern`. */
  const objects = (pattern: string) => ({
    "Fn::Join": ["", [{ "Fn::GetAtt": [bucketId(), "Arn"] }, `/${pattern}`]],
  });
  /** The ARN of a table. */
  const table = (key: keyof typeof TABLES) => ({ "Fn::GetAtt": [tableId(key), "Arn"] });
  return { logicalId, bucketId, tableId, statementsOf, dataStatements, objects, table };
}
