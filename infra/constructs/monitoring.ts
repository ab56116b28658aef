import { Duration } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import { ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Key } from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { Topic } from "aws-cdk-lib/aws-sns";
import { EmailSubscription } from "aws-cdk-lib/aws-sns-subscriptions";
import type { StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { BACKGROUND_TASKS } from "../background-tasks";
import { METRICS_NAMESPACE, PENDING_VECTORS_DIMENSIONS, PENDING_VECTORS_METRIC } from "../metrics";

/** What the alarms watch, and their thresholds (README, "Deploy"). */
export const ALARMS = {
  /** API 5xx responses, as a share of requests over 5 minutes, above which the API alarms. */
  api5xxPercent: 1,
  /** Errors plus throttles of one function in 5 minutes at or above which it alarms. */
  functionFaults: 1,
  /** Failed, timed-out or aborted autotune executions in 5 minutes at or above which it alarms. */
  failedExecutions: 1,
} as const;

const PERIOD = Duration.minutes(5);

/** Periods in a row the pending vectors must stay high before the freshness alarm fires. */
export const FRESHNESS_PERIODS = 3;

/**
 * CloudWatch alarms on the API's 5xx rate, every function's errors and throttles, and failed
 * autotune executions, all publishing to one SNS topic (encrypted with a key CloudWatch may use).
 */
export class Monitoring extends Construct {
  /** Where alarms notify. */
  readonly topic: Topic;
  /** Every alarm made. */
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: { alarmEmail: string | null }) {
    super(scope, id);
    const key = new Key(this, "AlarmTopicKey", {
      description: "vectord alarm topic",
      enableKeyRotation: true,
    });
    key.grant(
      new ServicePrincipal("cloudwatch.amazonaws.com"),
      "kms:Decrypt",
      "kms:GenerateDataKey*",
    );
    this.topic = new Topic(this, "AlarmTopic", {
      displayName: "vectord alarms",
      masterKey: key,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.action = new SnsAction(this.topic);
  }

  private alarm(id: string, props: ConstructorParameters<typeof Alarm>[2]): Alarm {
    const alarm = new Alarm(this, id, {
      treatMissingData: TreatMissingData.NOT_BREACHING,
      ...props,
    });
    alarm.addAlarmAction(this.action);
    this.alarms.push(alarm);
    return alarm;
  }

  /** The API answers 5xx to more than {@link ALARMS.api5xxPercent}% of requests. */
  watchApi(api: HttpApi): void {
    this.alarm("Api5xxRate", {
      alarmDescription: `vectord API: over ${ALARMS.api5xxPercent}% of requests answered 5xx in 5 minutes`,
      metric: new MathExpression({
        expression: "IF(requests > 0, 100 * errors / requests, 0)",
        usingMetrics: {
          errors: api.metricServerError({ period: PERIOD, statistic: "Sum" }),
          requests: api.metricCount({ period: PERIOD, statistic: "Sum" }),
        },
        period: PERIOD,
        label: "5xx %",
      }),
      threshold: ALARMS.api5xxPercent,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
    });
  }

  /** A function failed or was throttled. */
  watchFunction(id: string, fn: IFunction): void {
    this.alarm(`${id}Faults`, {
      alarmDescription: `vectord ${id}: errors or throttles in 5 minutes`,
      metric: new MathExpression({
        expression: "errors + throttles",
        usingMetrics: {
          errors: fn.metricErrors({ period: PERIOD, statistic: "Sum" }),
          throttles: fn.metricThrottles({ period: PERIOD, statistic: "Sum" }),
        },
        period: PERIOD,
        label: "errors + throttles",
      }),
      threshold: ALARMS.functionFaults,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
  }

  /**
   * An execution of a workflow (`name`: "Autotune", "Import") failed: a job recorded FAILED ends
   * its execution in a Fail state, so a failed job alarms too.
   */
  watchWorkflow(name: string, stateMachine: StateMachine): void {
    this.alarm(`${name}Failures`, {
      alarmDescription: `vectord ${name.toLowerCase()}: failed, timed-out or aborted executions in 5 minutes`,
      metric: new MathExpression({
        expression: "failed + timedOut + aborted",
        usingMetrics: {
          failed: stateMachine.metricFailed({ period: PERIOD, statistic: "Sum" }),
          timedOut: stateMachine.metricTimedOut({ period: PERIOD, statistic: "Sum" }),
          aborted: stateMachine.metricAborted({ period: PERIOD, statistic: "Sum" }),
        },
        period: PERIOD,
        label: "failed executions",
      }),
      threshold: ALARMS.failedExecutions,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
    });
  }

  /**
   * Searches keep scanning at least `threshold` pending vectors (their maximum, in each of
   * {@link FRESHNESS_PERIODS} 5-minute periods in a row): the graph lags its data, so catch-ups
   * fail, cannot start, or cannot keep up with the writes. A burst of writes that a catch-up
   * then folds in stays under it; no searches, no data, no alarm.
   */
  watchFreshness(threshold: number): void {
    this.alarm("GraphFreshness", {
      alarmDescription: `vectord search: HNSW searches scanned ${threshold} or more pending vectors (not in the graph yet) for ${FRESHNESS_PERIODS * PERIOD.toMinutes()} minutes; see the ${BACKGROUND_TASKS.catchUp.id} function's logs`,
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: PENDING_VECTORS_METRIC,
        dimensionsMap: { service: METRICS_NAMESPACE, ...PENDING_VECTORS_DIMENSIONS },
        period: PERIOD,
        statistic: "Maximum",
      }),
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: FRESHNESS_PERIODS,
      datapointsToAlarm: FRESHNESS_PERIODS,
    });
  }
}
