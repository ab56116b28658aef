import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { LOCAL_BUCKET_NAME, TABLES } from "../../infra/tables";
import { VectordStack } from "../../infra/vectord-stack";
import type { Statement } from "./iam-check";
import { resolveValue } from "./iam-check";
import type { DeployedFunction } from "./lambda-host";

/** The fake ARNs of the state machines the bundles are told to start. */
export const LOCAL_STATE_MACHINE_ARN =
  "arn:aws:states:us-east-1:000000000000:stateMachine:vectord-local";
export const LOCAL_IMPORT_STATE_MACHINE_ARN =
  "arn:aws:states:us-east-1:000000000000:stateMachine:vectord-local-import";

/**
 * Synthesizes the stack with real bundling (as `npm run synth` and `cdk deploy` do) into `outdir`,
 * and reads back each function's asset folder, environment and IAM policy, with the stack's
 * references resolved to the local resources (bucket, tables, state machine).
 */
export function synthesizeForLocal(outdir: string) {
  // The CLI turns asset metadata on; it says where each function's asset folder is.
  const app = new App({ outdir, context: { "aws:cdk:enable-asset-metadata": true } });
  const stack = new VectordStack(app, "Vectord");
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: any; Metadata?: any }>;
  };
  const localName = new Map<string, string>();
  const arn = new Map<string, string>();
  const bucketId = stack.getLogicalId(stack.storage.bucket.node.defaultChild as never);
  localName.set(bucketId, LOCAL_BUCKET_NAME);
  arn.set(bucketId, `arn:aws:s3:::${LOCAL_BUCKET_NAME}`);
  for (const [key, spec] of Object.entries(TABLES)) {
    const id = stack.getLogicalId(
      stack.storage.tables[key as keyof typeof TABLES].node.defaultChild as never,
    );
    localName.set(id, spec.localName);
    arn.set(id, `arn:aws:dynamodb:us-east-1:000000000000:table/${spec.localName}`);
  }
  const machineId = stack.getLogicalId(stack.workflow.stateMachine.node.defaultChild as never);
  localName.set(machineId, LOCAL_STATE_MACHINE_ARN);
  const importId = stack.getLogicalId(stack.imports.stateMachine.node.defaultChild as never);
  localName.set(importId, LOCAL_IMPORT_STATE_MACHINE_ARN);
  // A function's name, locally, is its spec id (what the Lambda endpoint runs).
  for (const [specId, created] of Object.entries(stack.functions)) {
    const id = stack.getLogicalId(created.fn.node.defaultChild as never);
    localName.set(id, specId);
    arn.set(id, `arn:aws:lambda:us-east-1:000000000000:function:${specId}`);
  }
  const resolve = (value: unknown) =>
    resolveValue(
      value,
      (id) => localName.get(id) ?? `unresolved:${id}`,
      (id, attribute) => arn.get(id) ?? `unresolved:${id}.${attribute}`,
    );

  const functions = new Map<string, DeployedFunction>();
  const statements = new Map<string, Statement[]>();
  for (const [specId, created] of Object.entries(stack.functions)) {
    const logicalId = stack.getLogicalId(created.fn.node.defaultChild as never);
    const resource = template.Resources[logicalId];
    if (!resource) throw new Error(`no resource for ${specId}`);
    functions.set(specId, {
      id: specId,
      assetDir: join(outdir, resource.Metadata["aws:asset:path"]),
      environment: resolve(resource.Properties.Environment.Variables) as Record<string, string>,
      memoryMb: resource.Properties.MemorySize,
      timeoutSeconds: resource.Properties.Timeout,
    });
    const roleId = stack.getLogicalId(created.role.node.defaultChild as never);
    statements.set(
      specId,
      Object.values(template.Resources)
        .filter(
          (r) =>
            r.Type === "AWS::IAM::Policy" &&
            (r.Properties.Roles as { Ref: string }[]).some((role) => role.Ref === roleId),
        )
        .flatMap((r) => resolve(r.Properties.PolicyDocument.Statement) as Statement[]),
    );
  }
  return { stack, functions, statements };
}
