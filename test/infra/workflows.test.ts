import aslValidator from "asl-validator";
import { type CfnElement, Stack } from "aws-cdk-lib";
import { Match } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { ALL_FUNCTIONS } from "../../infra/all-functions";
import {
  AUTOTUNE_DEFINITION,
  AUTOTUNE_TASKS,
  SCHEDULE,
  substitutedDefinition,
} from "../../infra/autotune-workflow";
import { DEFAULT_CONFIG, DEFAULT_PENDING_ALARM, type StackConfig } from "../../infra/config";
import { FRESHNESS_PERIODS } from "../../infra/constructs/monitoring";
import { VECTOR_LOADING_MEMORY_MB } from "../../infra/function-spec";
import {
  IMPORT_DEFINITION,
  IMPORT_TASKS,
  substitutedImportDefinition,
} from "../../infra/import-workflow";
import {
  METRICS_NAMESPACE,
  PENDING_VECTORS_DIMENSIONS,
  PENDING_VECTORS_METRIC,
} from "../../infra/metrics";
import { iamOf, type Statement, synth } from "./synthesized";

const { stack, template, alarms: alarmsTemplate } = synth();
const { logicalId, bucketId, dataStatements } = iamOf(stack, template);

describe("autotune workflow", () => {
  const machine = () =>
    template.toJSON().Resources[logicalId(stack.workflow.stateMachine)].Properties;

  it("is a valid Amazon States Language definition, as deployed and as run locally", () => {
    const local = substitutedDefinition(
      (state) => `arn:aws:lambda:us-east-1:000000000000:function:${state}`,
    );
    const result = aslValidator(local);
    expect(result.errorsText()).toBe("");
    expect(result.isValid).toBe(true);
  });

  it("deploys the shared definition, invokes exactly its tasks, logs ALL and traces", () => {
    const props = machine();
    expect(JSON.parse(props.DefinitionString)).toEqual(AUTOTUNE_DEFINITION);
    expect(Object.keys(props.DefinitionSubstitutions).sort()).toEqual(
      Object.keys(AUTOTUNE_TASKS)
        .map((s) => `${s}FunctionArn`)
        .sort(),
    );
    expect(props.LoggingConfiguration).toMatchObject({ Level: "ALL", IncludeExecutionData: false });
    expect(props.TracingConfiguration).toEqual({ Enabled: true });
    const roleId = props.RoleArn["Fn::GetAtt"][0];
    const invoke = Object.values(
      template.findResources("AWS::IAM::Policy", { Properties: { Roles: [{ Ref: roleId }] } }),
    ).flatMap((p: any) =>
      p.Properties.PolicyDocument.Statement.filter((s: Statement) =>
        [s.Action].flat().includes("lambda:InvokeFunction"),
      ),
    );
    expect(invoke).toEqual([
      expect.objectContaining({
        Resource: Object.values(AUTOTUNE_TASKS).map((spec) => ({
          "Fn::GetAtt": [logicalId(stack.functions[spec.id]?.fn as never), "Arn"],
        })),
      }),
    ]);
  });

  it("catches Decide into Abandon, and ends a FAILED job in a Fail state", () => {
    const states = AUTOTUNE_DEFINITION.States;
    expect(states.Decide.Catch).toEqual([
      { ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Abandon" },
    ]);
    expect(states.Abandon.Next).toBe("JobFailed");
    expect(states.Outcome.Choices).toEqual([
      { Variable: "$.decision.status", StringEquals: "FAILED", Next: "JobFailed" },
    ]);
    expect(states.JobFailed.Type).toBe("Fail");
  });

  it("runs the scheduled trigger from an EventBridge rule every few minutes", () => {
    template.hasResourceProperties("AWS::Events::Rule", {
      ScheduleExpression: `rate(${SCHEDULE.everyMinutes} minutes)`,
      Targets: Match.arrayWith([
        Match.objectLike({
          Arn: {
            "Fn::GetAtt": [logicalId(stack.functions[SCHEDULE.function.id]?.fn as never), "Arn"],
          },
        }),
      ]),
    });
  });
});

describe("monitoring", () => {
  it("alarms on API 5xx rate, every function's faults and failed executions, to one SNS topic", () => {
    template.resourceCountIs("AWS::CloudWatch::Alarm", 0);
    const alarms = Object.values(alarmsTemplate.findResources("AWS::CloudWatch::Alarm")) as any[];
    // The API, graph freshness, the autotune and import workflows, and every function.
    expect(alarms).toHaveLength(1 + 1 + 2 + ALL_FUNCTIONS.length);
    const topicId = Stack.of(stack.monitoring).getLogicalId(
      stack.monitoring.topic.node.defaultChild as CfnElement,
    );
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
    const metricNames = alarms.flatMap((a) =>
      (a.Properties.Metrics ?? []).flatMap((m: any) => m.MetricStat?.Metric.MetricName ?? []),
    );
    expect(new Set(metricNames)).toEqual(
      new Set([
        "5xx",
        "Count",
        "Errors",
        "Throttles",
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionsAborted",
      ]),
    );
    // Custom metrics are not in a math expression: the freshness alarm's own metric.
    expect(alarms.map((a) => a.Properties.MetricName).filter(Boolean)).toEqual([
      PENDING_VECTORS_METRIC,
    ]);
    alarmsTemplate.hasResourceProperties("AWS::SNS::Topic", { KmsMasterKeyId: Match.anyValue() });
    template.hasOutput("AlarmTopicArn", {});
  });

  it("alarms when searches keep scanning the configured number of pending vectors, 15 minutes", () => {
    const freshness = (config: StackConfig) =>
      synth(config).alarms.hasResourceProperties("AWS::CloudWatch::Alarm", {
        Namespace: METRICS_NAMESPACE,
        MetricName: PENDING_VECTORS_METRIC,
        // What the search functions emit (test/integration/freshness-metric.test.ts).
        // (CloudFormation lists them by name; their order means nothing to CloudWatch.)
        Dimensions: [
          { Name: "mode", Value: PENDING_VECTORS_DIMENSIONS.mode },
          { Name: "service", Value: METRICS_NAMESPACE },
        ],
        Statistic: "Maximum",
        Period: 300,
        EvaluationPeriods: FRESHNESS_PERIODS,
        DatapointsToAlarm: FRESHNESS_PERIODS,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
        Threshold: config.pendingVectorsAlarm,
        TreatMissingData: "notBreaching",
      });
    freshness(DEFAULT_CONFIG);
    freshness({ ...DEFAULT_CONFIG, pendingVectorsAlarm: 5000 });
    expect(DEFAULT_CONFIG.pendingVectorsAlarm).toBe(DEFAULT_PENDING_ALARM);
  });
});

describe("bulk import", () => {
  const fnId = (id: string) => logicalId(stack.functions[id]?.fn as never);
  it("deploys the import workflow: Plan, a Map of chunks 4 at a time, Finish, with its task functions", () => {
    const valid = aslValidator(
      substitutedImportDefinition((s) => `arn:aws:lambda:us-east-1:000000000000:function:${s}`),
    );
    expect(valid.errorsText()).toBe("");
    const props = template.toJSON().Resources[logicalId(stack.imports.stateMachine)].Properties;
    expect(JSON.parse(props.DefinitionString)).toEqual(IMPORT_DEFINITION);
    const definition = JSON.stringify(props.DefinitionSubstitutions);
    for (const task of Object.values(IMPORT_TASKS)) {
      expect(definition).toContain(fnId(task.id));
    }
    expect(IMPORT_DEFINITION.States.Chunks.MaxConcurrency).toBe(4);
    const chunk = template.toJSON().Resources[fnId(IMPORT_TASKS.Chunk.id)];
    expect(chunk.Properties.MemorySize).toBe(VECTOR_LOADING_MEMORY_MB);
  });

  it("lets uploads be written only under uploads/, read by the import, and expire after 3 days", () => {
    const writes = dataStatements("CreateUpload");
    expect(JSON.stringify(writes)).toContain("/uploads/*");
    expect([...new Set(writes.flatMap((s) => [s.Action].flat()))].sort()).toEqual([
      "s3:AbortMultipartUpload",
      "s3:PutObject",
    ]);
    const chunkReads = dataStatements("ImportChunk").filter((s) =>
      JSON.stringify(s.Resource).includes("/uploads/"),
    );
    expect(chunkReads.flatMap((s) => [s.Action].flat())).toEqual(["s3:GetObject"]);
    const rules = template.toJSON().Resources[bucketId()].Properties.LifecycleConfiguration.Rules;
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Prefix: "uploads/", ExpirationInDays: 3, Status: "Enabled" }),
      ]),
    );
  });
});
