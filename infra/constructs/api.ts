import { RemovalPolicy } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  type CfnStage,
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpRoute,
  HttpRouteKey,
  HttpStage,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { StackConfig } from "../config";
import { type RouteSpec, routeKey } from "../routes";

/** The headers a SigV4-signed browser request carries (CORS must allow them). */
export const SIGV4_HEADERS = [
  "authorization",
  "content-type",
  "x-amz-content-sha256",
  "x-amz-date",
  "x-amz-security-token",
];

/** One JSON line per request, from HTTP API context variables. */
const ACCESS_LOG_FIELDS = {
  requestId: "$context.requestId",
  requestTime: "$context.requestTime",
  ip: "$context.identity.sourceIp",
  caller: "$context.identity.userArn",
  method: "$context.httpMethod",
  path: "$context.path",
  routeKey: "$context.routeKey",
  status: "$context.status",
  protocol: "$context.protocol",
  responseLength: "$context.responseLength",
  latencyMs: "$context.responseLatency",
  integrationLatencyMs: "$context.integrationLatency",
  integrationError: "$context.integrationErrorMessage",
  authorizerError: "$context.authorizer.error",
};

/**
 * The HTTP API: one route per entry of the route table, each on its own function, plus the
 * `$default` route answering the service's JSON error for everything else. Every route requires
 * SigV4-signed requests (IAM authorization). The stage throttles (stage-wide, overridable per
 * route) and writes JSON access logs; CORS is off unless origins are configured.
 */
export class Api extends Construct {
  /** The HTTP API. */
  readonly api: HttpApi;
  /** Its stage (throttled, access-logged). */
  readonly stage: HttpStage;
  /** The stage's access log. */
  readonly accessLogs: LogGroup;

  constructor(
    scope: Construct,
    id: string,
    props: {
      routes: readonly { spec: RouteSpec; fn: IFunction }[];
      fallback: IFunction;
      config: StackConfig;
    },
  ) {
    super(scope, id);
    const { config } = props;
    // Callers sign requests with SigV4 (IAM): a vector store holds a team's data, so no route is
    // open to the internet. Grant callers execute-api:Invoke on the API.
    this.api = new HttpApi(this, "HttpApi", {
      defaultAuthorizer: new HttpIamAuthorizer(),
      createDefaultStage: false,
      ...(config.corsOrigins.length > 0
        ? {
            corsPreflight: {
              allowOrigins: [...config.corsOrigins],
              allowMethods: [CorsHttpMethod.ANY],
              allowHeaders: SIGV4_HEADERS,
            },
          }
        : {}),
    });
    this.accessLogs = new LogGroup(this, "AccessLogs", {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new HttpStage(this, "Stage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      throttle: { ...config.throttle },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const routeSettings: Record<
      string,
      { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
    > = {};
    for (const { spec, fn } of props.routes) {
      this.api.addRoutes({
        path: spec.path,
        methods: [HttpMethod[spec.method]],
        integration: new HttpLambdaIntegration(`${spec.id}Integration`, fn),
      });
      if (spec.throttle) {
        routeSettings[routeKey(spec)] = {
          ThrottlingRateLimit: spec.throttle.rateLimit,
          ThrottlingBurstLimit: spec.throttle.burstLimit,
        };
      }
    }
    (this.stage.node.defaultChild as CfnStage).routeSettings = routeSettings;
    new HttpRoute(this, "DefaultRoute", {
      httpApi: this.api,
      routeKey: HttpRouteKey.DEFAULT,
      integration: new HttpLambdaIntegration("DefaultIntegration", props.fallback),
      authorizer: new HttpIamAuthorizer(),
    });
  }

  /** The URL callers use. */
  get url(): string {
    return this.stage.url;
  }
}
