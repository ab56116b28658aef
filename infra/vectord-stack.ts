import { CfnOutput, NestedStack, Stack, type StackProps } from "aws-cdk-lib";
import { PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { Construct } from "constructs";
import {
  AUTOTUNE_TASKS,
  type AutotuneTaskState,
  SCHEDULE,
  STATE_MACHINE_ENV_VAR,
} from "./autotune-workflow";
import {
  BACKGROUND_TASKS,
  type BackgroundTaskName,
  backgroundFunctions,
  taskFunctionEnvVar,
} from "./background-tasks";
import { DEFAULT_CONFIG, type StackConfig } from "./config";
import { Api } from "./constructs/api";
import { type ServiceFunction, ServiceFunctions } from "./constructs/functions";
import { Monitoring } from "./constructs/monitoring";
import { Storage } from "./constructs/storage";
import { AutotuneWorkflow, ImportWorkflow } from "./constructs/workflow";
import type { FunctionSpec } from "./function-spec";
import {
  IMPORT_STATE_MACHINE_ENV_VAR,
  IMPORT_TASKS,
  type ImportTaskState,
} from "./import-workflow";
import { DEFAULT_ROUTE, ROUTES, type RouteSpec } from "./routes";

/**
 * Props of {@link VectordStack}: the usual stack props and the service's settings (default {@link
 * DEFAULT_CONFIG}).
 */
export interface VectordStackProps extends StackProps {
  /** The service's settings (default {@link DEFAULT_CONFIG}). */
  readonly config?: StackConfig;
}

/**
 * vectord on AWS: the vectors bucket and the DynamoDB tables; one Lambda function per route of the
 * shared route table behind an API Gateway HTTP API; the autotune state machine with its task
 * functions and its EventBridge schedule; alarms on all of it.
 */
export class VectordStack extends Stack {
  /** The bucket and the tables. */
  readonly storage: Storage;
  /** The HTTP API and its routes' functions. */
  readonly api: Api;
  /** The autotune workflow and its schedule. */
  readonly workflow: AutotuneWorkflow;
  /** The bulk-import workflow. */
  readonly imports: ImportWorkflow;
  /**
   * Alarms and their topic, in a nested stack of their own: one alarm per function would
   * otherwise take an eighth of CloudFormation's 500 resources a stack may hold, room the routes
   * need.
   */
  readonly monitoring: Monitoring;
  /** Every function, by spec id. */
  readonly functions: Record<string, ServiceFunction> = {};

  constructor(scope: Construct, id: string, props: VectordStackProps = {}) {
    super(scope, id, props);
    const config = props.config ?? DEFAULT_CONFIG;
    this.storage = new Storage(this, "Storage");
    const factory = new ServiceFunctions(this, "Functions", {
      bucket: this.storage.bucket,
      tables: this.storage.tables,
      config,
    });
    const add = (spec: FunctionSpec, environment?: Record<string, string>) => {
      const created = factory.add(spec, environment);
      this.functions[spec.id] = created;
      return created;
    };

    // Background tasks first: the functions that start them learn their names.
    for (const spec of backgroundFunctions()) add(spec);
    const background = (task: BackgroundTaskName) =>
      this.functions[BACKGROUND_TASKS[task].id] as ServiceFunction;
    const addWithTasks = (spec: FunctionSpec, environment: Record<string, string> = {}) => {
      const starts = spec.access.startsTasks ?? [];
      const taskEnvironment: Record<string, string> = {};
      for (const task of starts) {
        taskEnvironment[taskFunctionEnvVar(task)] = background(task).fn.functionName;
      }
      const created = add(spec, { ...environment, ...taskEnvironment });
      // Exactly the tasks' functions (no version or alias wildcard), each once.
      for (const id of new Set(starts.map((task) => BACKGROUND_TASKS[task].id))) {
        created.role.addToPrincipalPolicy(
          new PolicyStatement({
            sid: `Start${id}`,
            actions: ["lambda:InvokeFunction"],
            resources: [(this.functions[id] as ServiceFunction).fn.functionArn],
          }),
        );
      }
      return created;
    };

    const tasks = {} as Record<AutotuneTaskState, ServiceFunction["fn"]>;
    for (const [state, spec] of Object.entries(AUTOTUNE_TASKS) as [
      AutotuneTaskState,
      FunctionSpec,
    ][]) {
      tasks[state] = add(spec).fn;
    }
    this.workflow = new AutotuneWorkflow(this, "Autotune", { tasks });
    const machine = this.workflow.stateMachine;
    const importTasks = {} as Record<ImportTaskState, ServiceFunction["fn"]>;
    for (const [state, spec] of Object.entries(IMPORT_TASKS) as [ImportTaskState, FunctionSpec][]) {
      importTasks[state] = addWithTasks(spec).fn;
    }
    this.imports = new ImportWorkflow(this, "Import", { tasks: importTasks });
    const importMachine = this.imports.stateMachine;
    // Functions that start a workflow learn its state machine and may start executions of it.
    const addStarter = (spec: FunctionSpec) => {
      const created = addWithTasks(spec, {
        ...(spec.access.startsAutotune ? { [STATE_MACHINE_ENV_VAR]: machine.stateMachineArn } : {}),
        ...(spec.access.startsImport
          ? { [IMPORT_STATE_MACHINE_ENV_VAR]: importMachine.stateMachineArn }
          : {}),
      });
      if (spec.access.startsAutotune) machine.grantStartExecution(created.role);
      if (spec.access.startsImport) importMachine.grantStartExecution(created.role);
      return created;
    };

    const routes = ROUTES.map((spec) => ({ spec, fn: addStarter(spec).fn })) as {
      spec: RouteSpec;
      fn: ServiceFunction["fn"];
    }[];
    this.api = new Api(this, "Api", { routes, fallback: add(DEFAULT_ROUTE).fn, config });
    this.workflow.schedule(addStarter(SCHEDULE.function).fn);

    this.monitoring = new Monitoring(new NestedStack(this, "Alarms"), "Monitoring", {
      alarmEmail: config.alarmEmail,
    });
    this.monitoring.watchApi(this.api.api);
    this.monitoring.watchFreshness(config.pendingVectorsAlarm);
    this.monitoring.watchWorkflow("Autotune", machine);
    this.monitoring.watchWorkflow("Import", importMachine);
    for (const { spec, fn } of factory.all) this.monitoring.watchFunction(spec.id, fn);

    new CfnOutput(this, "ApiUrl", { value: this.api.url });
    new CfnOutput(this, "BucketName", { value: this.storage.bucket.bucketName });
    new CfnOutput(this, "AlarmTopicArn", { value: this.monitoring.topic.topicArn });
  }
}
