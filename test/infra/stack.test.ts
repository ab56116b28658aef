import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { ROUTES, routeKey } from "../../infra/routes";
import { TABLES, type TableKey } from "../../infra/tables";
import { VectordStack } from "../../infra/vectord-stack";

let template: Template;
let stack: VectordStack;

beforeAll(() => {
  // Skip esbuild bundling: these tests look at the template, not the code assets.
  const app = new App({ context: { "aws:cdk:bundling-stacks": [] } });
  stack = new VectordStack(app, "Test");
  template = Template.fromStack(stack);
});

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

/** Every IAM statement attached to a route's function role. */
function statementsOf(routeId: string): Statement[] {
  const fn = stack.functions[routeId];
  if (!fn?.role) throw new Error(`no function for ${routeId}`);
  const roleId = stack.getLogicalId(fn.role.node.defaultChild as never);
  const policies = template.findResources("AWS::IAM::Policy", {
    Properties: { Roles: [{ Ref: roleId }] },
  });
  return Object.values(policies).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Statement[] } } }).Properties
        .PolicyDocument.Statement,
  );
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const logicalIdsIn = (resource: unknown) =>
  [...JSON.stringify(resource).matchAll(/"(\w+?)(?:"|\.)/g)].map((m) => m[1]);

describe("VectordStack", () => {
  it("has one API Gateway route per entry of the shared route table, each on its own function", () => {
    const routes = template.findResources("AWS::ApiGatewayV2::Route");
    const keys = Object.values(routes).map(
      (r) => (r as { Properties: { RouteKey: string } }).Properties.RouteKey,
    );
    expect(keys.sort()).toEqual(ROUTES.map(routeKey).sort());
    template.resourceCountIs("AWS::ApiGatewayV2::Api", 1);
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", { ProtocolType: "HTTP" });
    const functions = template.findResources("AWS::Lambda::Function", {
      Properties: { Runtime: Match.stringLikeRegexp("^nodejs") },
    });
    expect(Object.keys(functions)).toHaveLength(ROUTES.length);
  });

  it("creates every table from the shared specs: on demand, with point-in-time recovery", () => {
    template.resourceCountIs("AWS::DynamoDB::Table", Object.keys(TABLES).length);
    for (const spec of Object.values(TABLES)) {
      template.hasResourceProperties("AWS::DynamoDB::Table", {
        KeySchema: Match.arrayWith([{ AttributeName: spec.partitionKey.name, KeyType: "HASH" }]),
        BillingMode: "PAY_PER_REQUEST",
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      });
    }
  });

  it("keeps the bucket private, encrypted and TLS-only", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } },
        ],
      },
    });
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: "Deny",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          }),
        ]),
      },
    });
  });

  const bucketId = () => Object.keys(template.findResources("AWS::S3::Bucket"))[0] as string;
  const tableIds = () =>
    Object.fromEntries(
      Object.entries(TABLES).map(([key, spec]) => [
        key,
        Object.keys(template.findResources("AWS::DynamoDB::Table")).find((id) =>
          id.startsWith(spec.id),
        ) as string,
      ]),
    ) as Record<TableKey, string>;

  const WRITE_ITEM = [
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
  ];

  it.each(ROUTES.map((r) => [r.id, r] as const))(
    "grants %s only what its route declares",
    (id, route) => {
      const statements = statementsOf(id).filter((s) =>
        actionsOf(s).some((a) => /^(s3|dynamodb):/.test(a)),
      );
      const s3Actions = statements.flatMap((s) => actionsOf(s).filter((a) => a.startsWith("s3:")));
      const bucket = route.access.bucket ?? [];
      // The bucket: reads (and lists), puts and deletes only as declared.
      expect(s3Actions.some((a) => a.startsWith("s3:GetObject"))).toBe(bucket.includes("read"));
      expect(s3Actions.includes("s3:PutObject")).toBe(bucket.includes("write"));
      expect(s3Actions.some((a) => a.startsWith("s3:DeleteObject"))).toBe(
        bucket.includes("delete"),
      );
      for (const s of statements.filter((st) => actionsOf(st).some((a) => a.startsWith("s3:")))) {
        expect(logicalIdsIn(s.Resource)).toContain(bucketId());
      }
      // The tables: only the declared ones, and no item writes where only reads are declared.
      const ids = tableIds();
      for (const [key, tableId] of Object.entries(ids)) {
        const access = route.access.tables?.[key as TableKey];
        const onTable = statements.filter((s) => logicalIdsIn(s.Resource).includes(tableId));
        const actions = onTable.flatMap(actionsOf);
        expect(actions.includes("dynamodb:GetItem")).toBe(
          access === "read" || access === "readWrite",
        );
        expect(actions.some((a) => WRITE_ITEM.includes(a))).toBe(
          access === "write" || access === "readWrite",
        );
      }
    },
  );
});

describe("graph-building functions", () => {
  it("ship the worker bundle path and two vCPUs of memory; the others do not", () => {
    expect(ROUTES.filter((r) => r.hnsw === "build").map((r) => r.id)).toEqual(
      expect.arrayContaining(["RunTrial", "ActivateIndex", "CreateEval"]),
    );
    for (const route of ROUTES) {
      const fn = stack.functions[route.id];
      const id = stack.getLogicalId(fn?.node.defaultChild as never);
      const props = template.toJSON().Resources[id].Properties;
      const env = props.Environment.Variables as Record<string, unknown>;
      if (route.hnsw === "build") {
        expect(env.VECTORD_HNSW_WORKER).toBe("/var/task/hnsw-worker.mjs");
        expect(props.MemorySize).toBeGreaterThanOrEqual(3538);
      } else {
        expect(env.VECTORD_HNSW_WORKER).toBeUndefined();
      }
      expect(env.VECTORD_TRIALS_TABLE).toBeDefined();
    }
  });
});
