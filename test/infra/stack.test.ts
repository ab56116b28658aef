import { Validations } from "aws-cdk-lib";
import { Match, type Template } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { describe, expect, it } from "vitest";
import { ALL_FUNCTIONS } from "../../infra/all-functions";
import { DEFAULT_CONFIG } from "../../infra/config";
import { SIGV4_HEADERS } from "../../infra/constructs/api";
import { ephemeralStorageMb } from "../../infra/function-spec";
import { DEFAULT_THROTTLE, ROUTES, routeKey } from "../../infra/routes";
import { TABLES } from "../../infra/tables";
import { iamOf, synth } from "./synthesized";

const { stack, template, alarms } = synth();
const { logicalId, bucketId } = iamOf(stack, template);

describe("VectordStack", () => {
  it("passes cdk-nag's AwsSolutions checks with every acknowledged finding given a reason", () => {
    const { app } = synth();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it("stays within CloudFormation's 500 resources, with room for ten more routes", () => {
    // A route's function costs 7 resources here (logs, role, its policy, function, permission,
    // integration, route): one policy per role keeps that down. Its alarm is in the nested
    // alarms stack, whose template takes one parameter per function (CloudFormation allows 200).
    const resources = Object.values(template.toJSON().Resources) as { Type: string }[];
    expect(resources.length).toBeLessThanOrEqual(500 - 10 * 7);
    const roles = resources.filter((r) => r.Type === "AWS::IAM::Role").length;
    expect(resources.filter((r) => r.Type === "AWS::IAM::Policy").length).toBe(roles);
    expect(Object.keys(alarms.toJSON().Resources).length).toBeLessThanOrEqual(500 - 10);
    expect(Object.keys(alarms.toJSON().Parameters).length).toBeLessThanOrEqual(200 - 10);
  });

  it("has one route per entry of the route table, a $default route, all IAM-authorized", () => {
    const routes = Object.values(template.findResources("AWS::ApiGatewayV2::Route")) as {
      Properties: { RouteKey: string; AuthorizationType?: string };
    }[];
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(
      [...ROUTES.map(routeKey), "$default"].sort(),
    );
    for (const r of routes) expect(r.Properties.AuthorizationType).toBe("AWS_IAM");
    template.resourceCountIs("AWS::ApiGatewayV2::Api", 1);
    template.resourceCountIs("AWS::Lambda::Function", ALL_FUNCTIONS.length);
  });

  it("throttles the stage once, with per-route overrides from the route table", () => {
    const stage = Object.values(template.findResources("AWS::ApiGatewayV2::Stage"))[0] as any;
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: DEFAULT_THROTTLE.rateLimit,
      ThrottlingBurstLimit: DEFAULT_THROTTLE.burstLimit,
    });
    const overridden = ROUTES.filter((r) => r.throttle);
    expect(overridden.map((r) => r.id)).toEqual(expect.arrayContaining(["Search", "RunTrial"]));
    for (const route of overridden) {
      expect(stage.Properties.RouteSettings[routeKey(route)]).toEqual({
        ThrottlingRateLimit: route.throttle?.rateLimit,
        ThrottlingBurstLimit: route.throttle?.burstLimit,
      });
    }
    expect(stage.Properties.AccessLogSettings.DestinationArn).toBeDefined();
    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toMatchObject({
      requestId: "$context.requestId",
      caller: "$context.identity.userArn",
      status: "$context.status",
    });
  });

  it("turns CORS off by default, and on configured origins allows the SigV4 headers", () => {
    const api = Object.values(template.findResources("AWS::ApiGatewayV2::Api"))[0] as any;
    expect(api.Properties.CorsConfiguration).toBeUndefined();
    const withCors = synth({ ...DEFAULT_CONFIG, corsOrigins: ["https://app.example.com"] });
    withCors.template.hasResourceProperties("AWS::ApiGatewayV2::Api", {
      CorsConfiguration: {
        AllowOrigins: ["https://app.example.com"],
        AllowHeaders: Match.arrayWith(SIGV4_HEADERS),
      },
    });
  });

  it("reserves concurrency for graph builders only when configured", () => {
    const reserved = (t: Template) =>
      Object.values(t.findResources("AWS::Lambda::Function")).filter(
        (f: any) => f.Properties.ReservedConcurrentExecutions !== undefined,
      ).length;
    expect(reserved(template)).toBe(0);
    const builders = ALL_FUNCTIONS.filter((f) => f.hnsw === "build").length;
    expect(reserved(synth({ ...DEFAULT_CONFIG, builderConcurrency: 2 }).template)).toBe(builders);
  });

  it.each([
    ["the eventual window of searches", { eventualMs: 250 }, "VECTORD_EVENTUAL_MS", "250"],
    [
      "the held graphs' budget (in bytes)",
      { heldGraphMb: 2048 },
      "VECTORD_HELD_GRAPH_BYTES",
      String(2048 * 2 ** 20),
    ],
  ] as const)("sets %s in every function only when configured", (_, config, variable, expected) => {
    const values = (t: Template) =>
      Object.values(t.findResources("AWS::Lambda::Function")).map(
        (f: any) => f.Properties.Environment.Variables[variable],
      );
    expect(new Set(values(template))).toEqual(new Set([undefined]));
    expect(new Set(values(synth({ ...DEFAULT_CONFIG, ...config }).template))).toEqual(
      new Set([expected]),
    );
  });

  it.each([
    ["catalog folds", "catalogFolds", "VECTORD_CATALOG_FOLDS"],
    ["id directories", "idDirectories", "VECTORD_ID_DIRECTORIES"],
  ] as const)("turns %s off in every function only when configured", (_, key, variable) => {
    const values = (t: Template) =>
      Object.values(t.findResources("AWS::Lambda::Function")).map(
        (f: any) => f.Properties.Environment.Variables[variable],
      );
    expect(new Set(values(template))).toEqual(new Set([undefined]));
    const off = synth({ ...DEFAULT_CONFIG, [key]: false }).template;
    expect(new Set(values(off))).toEqual(new Set(["off"]));
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

  it("keeps the bucket private, encrypted, TLS-only and access-logged; snapshots, uploads and staged inputs expire", () => {
    const vectors = template.toJSON().Resources[bucketId()].Properties;
    expect(vectors.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(vectors.LoggingConfiguration.DestinationBucketName).toEqual({
      Ref: logicalId(stack.storage.accessLogs),
    });
    const expiring = vectors.LifecycleConfiguration.Rules.filter(
      (r: { ExpirationInDays?: number }) => r.ExpirationInDays !== undefined,
    );
    expect(expiring).toEqual([
      expect.objectContaining({ Prefix: "_hnsw_snapshots/", ExpirationInDays: 14 }),
      expect.objectContaining({ Prefix: "uploads/", ExpirationInDays: 3 }),
      expect.objectContaining({ Prefix: "_hnsw_staged/", ExpirationInDays: 2 }),
    ]);
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
});

describe("functions", () => {
  it.each(ALL_FUNCTIONS.map((f) => [f.id, f] as const))(
    "sizes %s by its rule, traces it, and runs it on Node.js 24",
    (id, spec) => {
      const props =
        template.toJSON().Resources[logicalId(stack.functions[id]?.fn as never)].Properties;
      expect(props.Runtime).toBe("nodejs24.x");
      expect(props.TracingConfig).toEqual({ Mode: "Active" });
      expect(props.EphemeralStorage?.Size ?? 512).toBe(ephemeralStorageMb(spec));
      if (spec.hnsw === "build") expect(props.MemorySize).toBeGreaterThanOrEqual(3538);
      expect(props.Environment.Variables.VECTORD_TRIALS_TABLE).toBeDefined();
      expect(props.Environment.Variables.VECTORD_STATE_MACHINE_ARN !== undefined).toBe(
        spec.access.startsAutotune === true,
      );
    },
  );

  it("sizes graph builders and graph servers by the memory settings, and no other function", () => {
    const sized = synth({ ...DEFAULT_CONFIG, builderMemoryMb: 10_240, searchMemoryMb: 4096 });
    const { logicalId: sizedId } = iamOf(sized.stack, sized.template);
    const propsOf = (id: string) =>
      sized.template.toJSON().Resources[sizedId(sized.stack.functions[id]?.fn as never)].Properties;
    for (const spec of ALL_FUNCTIONS) {
      const props = propsOf(spec.id);
      const memory =
        spec.hnsw === "build" ? 10_240 : spec.hnsw === "serve" ? 4096 : (spec.memoryMb ?? 512);
      expect([spec.id, props.MemorySize]).toEqual([spec.id, memory]);
      expect([spec.id, props.EphemeralStorage?.Size ?? 512]).toEqual([
        spec.id,
        ephemeralStorageMb({ hnsw: spec.hnsw, memoryMb: memory }),
      ]);
    }
    expect(propsOf("Search").EphemeralStorage.Size).toBe(4096);
    expect(ALL_FUNCTIONS.filter((f) => f.hnsw === "serve").map((f) => f.id)).toEqual(
      expect.arrayContaining(["Search", "ProfileSearch"]),
    );
  });

  it("gives graph builders /tmp for three graphs of their memory, servers for one", () => {
    expect(ephemeralStorageMb({ hnsw: "build", memoryMb: 3538 })).toBe(10_240);
    expect(ephemeralStorageMb({ hnsw: "serve", memoryMb: 1769 })).toBe(1769);
    expect(ephemeralStorageMb({})).toBe(512);
  });
});
