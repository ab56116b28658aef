import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { DefinitionBody, LogLevel, StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import {
  AUTOTUNE_DEFINITION,
  type AutotuneTaskState,
  arnVariable,
  SCHEDULE,
} from "../autotune-workflow";

/**
 * The autotune state machine, deployed from the shared definition with each task's function ARN
 * substituted. It may invoke exactly its task functions; it logs every event (without execution
 * data, which holds index names and configs) and is traced with X-Ray.
 */
export class AutotuneWorkflow extends Construct {
  readonly stateMachine: StateMachine;

  constructor(
    scope: Construct,
    id: string,
    props: { tasks: Record<AutotuneTaskState, IFunction> },
  ) {
    super(scope, id);
    const substitutions: Record<string, string> = {};
    for (const [state, fn] of Object.entries(props.tasks)) {
      substitutions[arnVariable(state as AutotuneTaskState)] = fn.functionArn;
    }
    this.stateMachine = new StateMachine(this, "StateMachine", {
      definitionBody: DefinitionBody.fromString(JSON.stringify(AUTOTUNE_DEFINITION)),
      definitionSubstitutions: substitutions,
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: {
        destination: new LogGroup(this, "Logs", {
          retention: RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: LogLevel.ALL,
        includeExecutionData: false,
      },
    });
    // Step Functions' log delivery and X-Ray actions support no resource-level permissions.
    Validations.of(this.stateMachine.role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "CloudWatch Logs delivery (logs:*LogDelivery, resource policies) and X-Ray actions that Step Functions needs for logging and tracing support no resource-level permissions",
    });
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        sid: "InvokeTasks",
        actions: ["lambda:InvokeFunction"],
        resources: Object.values(props.tasks).map((fn) => fn.functionArn),
      }),
    );
  }

  /** The EventBridge rule that runs the scheduled trigger every few minutes. */
  schedule(fn: IFunction): Rule {
    return new Rule(this, "ScheduleRule", {
      description: "vectord: start autotune for indexes whose policy is due",
      schedule: Schedule.rate(Duration.minutes(SCHEDULE.everyMinutes)),
      targets: [new LambdaFunction(fn)],
    });
  }
}
