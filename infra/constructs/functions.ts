import { resolve } from "node:path";
import { type CfnElement, Duration, RemovalPolicy, Size, Stack, Validations } from "aws-cdk-lib";
import type { Table } from "aws-cdk-lib/aws-dynamodb";
import { PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { Architecture, LoggingFormat, Runtime, Tracing } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Bucket } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { bundlingFor } from "../bundling";
import {
  CATALOG_FOLDS_ENV_VAR,
  EVENTUAL_ENV_VAR,
  HELD_GRAPH_BYTES_ENV_VAR,
  ID_DIRECTORIES_ENV_VAR,
  type StackConfig,
} from "../config";
import {
  DEFAULT_MEMORY_MB,
  ephemeralStorageMb,
  type FunctionSpec,
  sizedSpec,
} from "../function-spec";
import { accessStatements, withCatalogLists } from "../iam";
import { STORAGE_AREAS, type StorageAreaName } from "../storage";
import { BUCKET_ENV_VAR, TABLES, type TableKey } from "../tables";

const REPO_ROOT = resolve(import.meta.dirname, "../..");

/** The Lambda runtime every function runs on; the bundles target its Node.js version. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

/** One deployed function, its role and its log group. */
export interface ServiceFunction {
  /** What the function was made from, with the memory it was deployed with. */
  readonly spec: FunctionSpec;
  /** The Lambda function. */
  readonly fn: NodejsFunction;
  /** Its execution role (granted exactly `spec.access`). */
  readonly role: Role;
  /** Its log group. */
  readonly logGroup: LogGroup;
}

/**
 * Creates the service's functions from their specs. Each gets its own role that grants exactly
 * what the spec declares (see infra/iam.ts) plus writing to its own log group, X-Ray tracing,
 * its memory (graph builders' and servers' from the stack's settings), the `/tmp` its sizing rule
 * needs, and, for graph builders when configured, reserved concurrency.
 */
export class ServiceFunctions extends Construct {
  /** Every function made, in the order made. */
  readonly all: ServiceFunction[] = [];
  private readonly environment: Record<string, string>;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: {
      bucket: Bucket;
      tables: Record<TableKey, Table>;
      config: StackConfig;
    },
  ) {
    super(scope, id);
    this.environment = {
      [BUCKET_ENV_VAR]: props.bucket.bucketName,
      NODE_OPTIONS: "--enable-source-maps",
      POWERTOOLS_SERVICE_NAME: "vectord",
      POWERTOOLS_METRICS_NAMESPACE: "vectord",
    };
    for (const [key, spec] of Object.entries(TABLES)) {
      this.environment[spec.envVar] = props.tables[key as TableKey].tableName;
    }
    if (props.config.eventualMs !== null) {
      this.environment[EVENTUAL_ENV_VAR] = String(props.config.eventualMs);
    }
    if (props.config.heldGraphMb !== null) {
      this.environment[HELD_GRAPH_BYTES_ENV_VAR] = String(props.config.heldGraphMb * 2 ** 20);
    }
    if (!props.config.catalogFolds) this.environment[CATALOG_FOLDS_ENV_VAR] = "off";
    if (!props.config.idDirectories) this.environment[ID_DIRECTORIES_ENV_VAR] = "off";
  }

  /**
   * Creates the function of `declared`, sized by the stack's memory settings (see `sizedSpec`);
   * `environment` adds to the common variables.
   */
  add(declared: FunctionSpec, environment: Record<string, string> = {}): ServiceFunction {
    const spec = sizedSpec(declared, this.props.config);
    const scope = this.node.scope as Construct;
    const logGroup = new LogGroup(scope, `${spec.id}Logs`, {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(scope, `${spec.id}Role`, {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `vectord ${spec.id}: exactly what infra/routes.ts declares`,
    });
    const access = withCatalogLists(spec.access);
    const statements = [
      new PolicyStatement({
        sid: "OwnLogs",
        actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
        resources: [logGroup.logGroupArn],
      }),
      ...accessStatements(access, {
        bucketArn: this.props.bucket.bucketArn,
        tableArn: (key) => this.props.tables[key].tableArn,
      }),
    ];
    // One policy per function, the role's own (Lambda adds X-Ray's statements to it): a stack may
    // hold 500 resources, and every route's function costs about nine.
    for (const statement of statements) role.addToPrincipalPolicy(statement);
    // cdk-nag (AwsSolutions-IAM5) flags wildcards. These are key patterns, not blanket access:
    // one function serves every index, and an index's keys live under its name and incarnation.
    const bucketId = Stack.of(this).getLogicalId(this.props.bucket.node.defaultChild as CfnElement);
    for (const area of Object.keys(access.objects ?? {}) as StorageAreaName[]) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${STORAGE_AREAS[area].pattern}]`,
        reason: `Object actions are limited to the ${area} key pattern of infra/storage.ts; keys below it are per index and incarnation, which the function serves all of`,
      });
    }
    const builder = spec.hnsw === "build";
    const fn = new NodejsFunction(scope, `${spec.id}Function`, {
      entry: resolve(REPO_ROOT, spec.entry),
      handler: "handler",
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.X86_64,
      memorySize: spec.memoryMb ?? DEFAULT_MEMORY_MB,
      ephemeralStorageSize: Size.mebibytes(ephemeralStorageMb(spec)),
      timeout: Duration.seconds(spec.timeoutSeconds ?? 29),
      role,
      tracing: Tracing.ACTIVE,
      environment: { ...this.environment, ...environment },
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      ...(builder && this.props.config.builderConcurrency !== null
        ? { reservedConcurrentExecutions: this.props.config.builderConcurrency }
        : {}),
      projectRoot: REPO_ROOT,
      depsLockFilePath: resolve(REPO_ROOT, "package-lock.json"),
      bundling: bundlingFor(spec),
    });
    // Lambda's active tracing adds xray:PutTraceSegments and PutTelemetryRecords on "*".
    Validations.of(role).acknowledge({
      id: "AwsSolutions-IAM5[Resource::*]",
      reason:
        "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions",
    });
    const created = { spec, fn, role, logGroup };
    this.all.push(created);
    return created;
  }
}
