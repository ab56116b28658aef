import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import { CorsHttpMethod, HttpApi, HttpMethod } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { AttributeType, BillingMode, Table } from "aws-cdk-lib/aws-dynamodb";
import { Rule, Schedule } from "aws-cdk-lib/aws-events";
import { LambdaFunction } from "aws-cdk-lib/aws-events-targets";
import { Architecture, LoggingFormat, Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction, OutputFormat } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { BlockPublicAccess, Bucket, BucketEncryption } from "aws-cdk-lib/aws-s3";
import { DefinitionBody, LogLevel, StateMachine } from "aws-cdk-lib/aws-stepfunctions";
import type { Construct } from "constructs";
import {
  AUTOTUNE_DEFINITION,
  AUTOTUNE_TASKS,
  type AutotuneTaskState,
  arnVariable,
  SCHEDULE,
  STATE_MACHINE_ENV_VAR,
} from "./autotune-workflow";
import { type FunctionSpec, ROUTES, WORKER_ENV_VAR } from "./routes";
import { BUCKET_ENV_VAR, type KeySpec, SNAPSHOTS_PREFIX, TABLES, type TableKey } from "./tables";

const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** How long trial graphs stay in the bucket. */
export const SNAPSHOT_RETENTION_DAYS = 14;

/** Makes an ESM bundle able to `require` (some dependencies are CommonJS). */
const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** Where a graph-building function finds its worker-thread bundle. */
const LAMBDA_WORKER_PATH = "/var/task/hnsw-worker.mjs";

/**
 * For functions that use graphs: ship hnswlib-node's native addon (with its runtime
 * dependencies) as plain node_modules, and for those that build graphs, the worker-thread bundle
 * beside the handler. The addon is the one `npm ci` compiled; it needs GLIBC 2.29 and GLIBCXX 3.4.29, which Lambda's Amazon Linux
 * 2023 runtimes provide, so deploy from an x86_64 Linux machine (README, "Deploy").
 */
function hnswBundling(kind: "serve" | "build") {
  return (inputDir: string, outputDir: string): string[] => [
    ...(kind === "build"
      ? [
          `"${inputDir}/node_modules/.bin/esbuild" "${inputDir}/src/app/hnsw-worker.ts" --bundle --platform=node --format=esm --target=node20 --external:hnswlib-node --banner:js="${ESM_REQUIRE_BANNER}" --outfile="${outputDir}/hnsw-worker.mjs"`,
        ]
      : []),
    `mkdir -p "${outputDir}/node_modules"`,
    `cp -R "${inputDir}/node_modules/hnswlib-node" "${inputDir}/node_modules/bindings" "${inputDir}/node_modules/file-uri-to-path" "${outputDir}/node_modules/"`,
  ];
}

function attribute(key: KeySpec) {
  return { name: key.name, type: key.type === "S" ? AttributeType.STRING : AttributeType.NUMBER };
}

/** Grants exactly the access a route declares, and nothing else. */
function grantAccess(
  fn: NodejsFunction,
  route: FunctionSpec,
  bucket: Bucket,
  tables: Record<TableKey, Table>,
) {
  for (const verb of route.access.bucket ?? []) {
    if (verb === "read") bucket.grantRead(fn);
    if (verb === "write") bucket.grantPut(fn);
    if (verb === "delete") bucket.grantDelete(fn);
  }
  for (const [key, access] of Object.entries(route.access.tables ?? {})) {
    const table = tables[key as TableKey];
    if (access === "read") table.grantReadData(fn);
    if (access === "write") table.grantWriteData(fn);
    if (access === "readWrite") table.grantReadWriteData(fn);
  }
}

/**
 * vectord on AWS: the vector bucket, the DynamoDB tables, one Lambda function per route of the
 * shared route table behind an API Gateway HTTP API.
 */
export class VectordStack extends Stack {
  readonly api: HttpApi;
  readonly autotune: StateMachine;
  readonly functions: Record<string, NodejsFunction> = {};

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const bucket = new Bucket(this, "VectorsBucket", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        // Trial graphs are only needed until a promotion activates them (activation copies the
        // graph it serves); autotune makes several per run, so they expire.
        {
          id: "ExpireTrialSnapshots",
          prefix: SNAPSHOTS_PREFIX,
          expiration: Duration.days(SNAPSHOT_RETENTION_DAYS),
        },
        { id: "AbortIncompleteUploads", abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
    });

    const tables = {} as Record<TableKey, Table>;
    for (const [key, spec] of Object.entries(TABLES)) {
      tables[key as TableKey] = new Table(this, spec.id, {
        partitionKey: attribute(spec.partitionKey),
        ...("sortKey" in spec ? { sortKey: attribute(spec.sortKey as KeySpec) } : {}),
        ...("timeToLiveAttribute" in spec
          ? { timeToLiveAttribute: spec.timeToLiveAttribute as string }
          : {}),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        removalPolicy: RemovalPolicy.RETAIN,
      });
      for (const gsi of ("globalIndexes" in spec ? spec.globalIndexes : undefined) ?? []) {
        tables[key as TableKey].addGlobalSecondaryIndex({
          indexName: gsi.indexName,
          partitionKey: attribute(gsi.partitionKey),
          ...(gsi.sortKey ? { sortKey: attribute(gsi.sortKey) } : {}),
        });
      }
    }

    const environment: Record<string, string> = {
      [BUCKET_ENV_VAR]: bucket.bucketName,
      NODE_OPTIONS: "--enable-source-maps",
      POWERTOOLS_SERVICE_NAME: "vectord",
    };
    for (const [key, spec] of Object.entries(TABLES)) {
      environment[spec.envVar] = tables[key as TableKey].tableName;
    }

    // Callers sign requests with SigV4 (IAM): a vector store holds a team's data, so no route is
    // open to the internet. Grant callers execute-api:Invoke on the API.
    this.api = new HttpApi(this, "HttpApi", {
      defaultAuthorizer: new HttpIamAuthorizer(),
      corsPreflight: {
        allowOrigins: ["*"],
        allowMethods: [CorsHttpMethod.ANY],
        allowHeaders: ["content-type"],
      },
    });

    const createFunction = (spec: FunctionSpec, extraEnvironment: Record<string, string> = {}) => {
      const fn = new NodejsFunction(this, `${spec.id}Function`, {
        entry: resolve(REPO_ROOT, spec.entry),
        handler: "handler",
        runtime: Runtime.NODEJS_24_X,
        architecture: Architecture.X86_64,
        memorySize: spec.memoryMb ?? 512,
        timeout: Duration.seconds(spec.timeoutSeconds ?? 29),
        environment: {
          ...environment,
          ...(spec.hnsw === "build" ? { [WORKER_ENV_VAR]: LAMBDA_WORKER_PATH } : {}),
          ...extraEnvironment,
        },
        loggingFormat: LoggingFormat.JSON,
        logGroup: new LogGroup(this, `${spec.id}Logs`, {
          retention: RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        projectRoot: REPO_ROOT,
        depsLockFilePath: resolve(REPO_ROOT, "package-lock.json"),
        bundling: {
          format: OutputFormat.ESM,
          target: "node20",
          sourceMap: true,
          mainFields: ["module", "main"],
          banner: ESM_REQUIRE_BANNER,
          // Never bundled: the runtime's SDK, the native addon, and the local-only workflow runner.
          externalModules: ["@aws-sdk/*", "hnswlib-node", "aws-local-stepfunctions"],
          ...(spec.hnsw
            ? {
                commandHooks: {
                  beforeBundling: () => [],
                  beforeInstall: () => [],
                  afterBundling: hnswBundling(spec.hnsw),
                },
              }
            : {}),
        },
      });
      grantAccess(fn, spec, bucket, tables);
      this.functions[spec.id] = fn;
      return fn;
    };

    // The autotune workflow: its task functions, then the state machine from the shared definition.
    const taskArns: Record<string, string> = {};
    for (const [state, spec] of Object.entries(AUTOTUNE_TASKS)) {
      taskArns[arnVariable(state as AutotuneTaskState)] = createFunction(spec).functionArn;
    }
    this.autotune = new StateMachine(this, "AutotuneStateMachine", {
      definitionBody: DefinitionBody.fromString(JSON.stringify(AUTOTUNE_DEFINITION)),
      definitionSubstitutions: taskArns,
      timeout: Duration.hours(2),
      logs: {
        destination: new LogGroup(this, "AutotuneLogs", {
          retention: RetentionDays.ONE_MONTH,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: LogLevel.ERROR,
      },
    });
    for (const state of Object.keys(AUTOTUNE_TASKS)) {
      this.functions[AUTOTUNE_TASKS[state as AutotuneTaskState].id]?.grantInvoke(this.autotune);
    }
    const autotuneEnvironment = { [STATE_MACHINE_ENV_VAR]: this.autotune.stateMachineArn };
    const startsAutotune = (spec: FunctionSpec) => {
      const fn = createFunction(spec, spec.access.startsAutotune ? autotuneEnvironment : {});
      if (spec.access.startsAutotune) this.autotune.grantStartExecution(fn);
      return fn;
    };

    for (const route of ROUTES) {
      const fn = startsAutotune(route);
      this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.id}Integration`, fn),
      });
    }

    // The scheduled trigger.
    new Rule(this, "AutotuneScheduleRule", {
      description: "vectord: start autotune for indexes whose policy is due",
      schedule: Schedule.rate(Duration.minutes(SCHEDULE.everyMinutes)),
      targets: [new LambdaFunction(startsAutotune(SCHEDULE.function))],
    });

    new CfnOutput(this, "ApiUrl", { value: this.api.apiEndpoint });
    new CfnOutput(this, "BucketName", { value: bucket.bucketName });
  }
}
