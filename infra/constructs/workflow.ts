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
import { IMPORT_DEFINITION, type ImportTaskState, importArnVariable } from "../import-workflow";

/**
 * A state machine deployed from a shared definition with each task's function ARN substituted.
 * It may invoke exactly its task functions; it logs every event (without execution data, which
 * holds index names and configs) and is traced with X-Ray.
 */
export class TaskWorkflow extends Construct {
  /** The state machine. */
  readonly stateMachine: StateMachine;

  constructor(
    scope: Construct,
    id: string,
    props: {
      definition: unknown;
      /** Substitution variable -> the function behind it. */
      tasks: Record<string, IFunction>;
      timeout: Duration;
    },
  ) {
    super(scope, id);
    const substitutions: Record<string, string> = {};
    for (const [variable, fn] of Object.entries(props.tasks))
      substitutions[variable] = fn.functionArn;
    this.stateMachine = new StateMachine(this, "StateMachine", {
      definitionBody: DefinitionBody.fromString(JSON.stringify(props.definition)),
      definitionSubstitutions: substitutions,
      timeout: props.timeout,
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
        resources: [...new Set(Object.values(props.tasks))].map((fn) => fn.functionArn),
      }),
    );
  }
}

/** The autotune state machine (see `infra/autotune-workflow.ts`), and its schedule. */
export class AutotuneWorkflow extends TaskWorkflow {
  constructor(
    scope: Construct,
    id: string,
    props: { tasks: Record<AutotuneTaskState, IFunction> },
  ) {
    const tasks: Record<string, IFunction> = {};
    for (const [state, fn] of Object.entries(props.tasks)) {
      tasks[arnVariable(state as AutotuneTaskState)] = fn;
    }
    super(scope, id, { definition: AUTOTUNE_DEFINITION, tasks, timeout: Duration.hours(2) });
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

/** The bulk-import state machine (see `infra/import-workflow.ts`). */
export class ImportWorkflow extends TaskWorkflow {
  constructor(scope: Construct, id: string, props: { tasks: Record<ImportTaskState, IFunction> }) {
    const tasks: Record<string, IFunction> = {};
    for (const [state, fn] of Object.entries(props.tasks)) {
      tasks[importArnVariable(state as ImportTaskState)] = fn;
    }
    super(scope, id, { definition: IMPORT_DEFINITION, tasks, timeout: Duration.hours(2) });
  }
}
