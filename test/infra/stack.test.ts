import aslValidator from "asl-validator";
import { App } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import {
  AUTOTUNE_DEFINITION,
  AUTOTUNE_TASKS,
  SCHEDULE,
  substitutedDefinition,
} from "../../infra/autotune-workflow";
import { type FunctionSpec, ROUTES, routeKey } from "../../infra/routes";
import { TABLES, type TableKey } from "../../infra/tables";
import { VectordStack } from "../../infra/vectord-stack";

/** Every function of the stack: routes, autotune tasks, the scheduled trigger. */
const ALL_FUNCTIONS: FunctionSpec[] = [
  ...ROUTES,
  ...Object.values(AUTOTUNE_TASKS),
  SCHEDULE.function,
];

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
    // No route is open: every one requires SigV4-signed (IAM) requests.
    for (const r of Object.values(routes)) {
      expect(
        (r as { Properties: { AuthorizationType?: string } }).Properties.AuthorizationType,
      ).toBe("AWS_IAM");
    }
    template.resourceCountIs("AWS::ApiGatewayV2::Api", 1);
    template.hasResourceProperties("AWS::ApiGatewayV2::Api", { ProtocolType: "HTTP" });
    const functions = template.findResources("AWS::Lambda::Function", {
      Properties: { Runtime: Match.stringLikeRegexp("^nodejs") },
    });
    expect(Object.keys(functions)).toHaveLength(ALL_FUNCTIONS.length);
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

  it("expires trial snapshots, and nothing else, after two weeks", () => {
    template.hasResourceProperties("AWS::S3::Bucket", {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: "_hnsw_snapshots/", ExpirationInDays: 14, Status: "Enabled" }),
        ]),
      },
    });
    const rules = (Object.values(template.findResources("AWS::S3::Bucket"))[0] as any).Properties
      .LifecycleConfiguration.Rules;
    expect(
      rules.filter((r: { ExpirationInDays?: number }) => r.ExpirationInDays !== undefined),
    ).toHaveLength(1);
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
    for (const route of ALL_FUNCTIONS) {
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

describe("autotune workflow", () => {
  it("is a valid Amazon States Language definition, as deployed and as run locally", () => {
    const local = substitutedDefinition(
      (state) => `arn:aws:lambda:us-east-1:000000000000:function:${state}`,
    );
    const result = aslValidator(local);
    expect(result.errorsText()).toBe("");
    expect(result.isValid).toBe(true);
  });

  it("deploys the shared definition with each task ARN substituted, and may invoke only its tasks", () => {
    const machines = template.findResources("AWS::StepFunctions::StateMachine");
    expect(Object.keys(machines)).toHaveLength(1);
    const props = (Object.values(machines)[0] as { Properties: Record<string, any> }).Properties;
    expect(JSON.parse(props.DefinitionString)).toEqual(AUTOTUNE_DEFINITION);
    const substitutions = props.DefinitionSubstitutions as Record<
      string,
      { "Fn::GetAtt": [string, string] }
    >;
    expect(Object.keys(substitutions).sort()).toEqual([
      "DecideFunctionArn",
      "PlanFunctionArn",
      "RunBuildGroupFunctionArn",
    ]);
    for (const [state, spec] of Object.entries(AUTOTUNE_TASKS)) {
      const fnId = stack.getLogicalId(stack.functions[spec.id]?.node.defaultChild as never);
      expect(substitutions[`${state}FunctionArn`]?.["Fn::GetAtt"][0]).toBe(fnId);
    }
    const definition = AUTOTUNE_DEFINITION.States;
    expect(definition.BuildGroups.ItemProcessor.ProcessorConfig.Mode).toBe("INLINE");
    expect(definition.BuildGroups.ItemsPath).toBe("$.plan.groups");
    const roleId = (props.RoleArn as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
    const policies = template.findResources("AWS::IAM::Policy", {
      Properties: { Roles: [{ Ref: roleId }] },
    });
    const invoked = Object.values(policies).flatMap((p: any) =>
      p.Properties.PolicyDocument.Statement.filter((st: Statement) =>
        actionsOf(st).includes("lambda:InvokeFunction"),
      ).flatMap((st: Statement) => logicalIdsIn(st.Resource)),
    );
    const taskIds = Object.values(AUTOTUNE_TASKS).map((spec) =>
      stack.getLogicalId(stack.functions[spec.id]?.node.defaultChild as never),
    );
    expect(
      new Set(invoked.filter((id) => id?.endsWith("Function") || id?.includes("Function"))),
    ).toEqual(new Set(taskIds));
  });

  it("runs the scheduled trigger from an EventBridge rule every few minutes", () => {
    const fnId = stack.getLogicalId(
      stack.functions[SCHEDULE.function.id]?.node.defaultChild as never,
    );
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: `rate(${SCHEDULE.everyMinutes} minutes)`,
      Targets: Match.arrayWith([Match.objectLike({ Arn: { "Fn::GetAtt": [fnId, "Arn"] } })]),
    });
  });

  it("tells the functions that start autotune which state machine to start", () => {
    for (const spec of ALL_FUNCTIONS) {
      const id = stack.getLogicalId(stack.functions[spec.id]?.node.defaultChild as never);
      const env = template.toJSON().Resources[id].Properties.Environment.Variables;
      expect(env.VECTORD_STATE_MACHINE_ARN !== undefined).toBe(spec.access.startsAutotune === true);
    }
  });
});
