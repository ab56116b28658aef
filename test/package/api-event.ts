import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { type RouteSpec, routeKey } from "../../infra/routes";

/** The IAM identity the package test signs as. */
export const TEST_CALLER = "arn:aws:iam::000000000000:user/package-test";

/**
 * The event API Gateway's HTTP API (payload 2.0) sends a route's function for one request,
 * signed by {@link TEST_CALLER} through the IAM authorizer.
 */
export function apiEvent(
  route: Pick<RouteSpec, "method" | "path"> | "$default",
  request: {
    params?: Record<string, string>;
    query?: Record<string, string>;
    body?: unknown;
    method?: string;
    path?: string;
  } = {},
): APIGatewayProxyEventV2 {
  const key = route === "$default" ? "$default" : routeKey(route);
  const method = request.method ?? (route === "$default" ? "GET" : route.method);
  let path = request.path ?? (route === "$default" ? "/" : route.path);
  for (const [name, value] of Object.entries(request.params ?? {})) {
    path = path.replace(`{${name}}`, value);
  }
  const now = new Date();
  return {
    version: "2.0",
    routeKey: key,
    rawPath: path,
    rawQueryString: new URLSearchParams(request.query ?? {}).toString(),
    headers: { "content-type": "application/json" },
    ...(request.query ? { queryStringParameters: request.query } : {}),
    ...(request.params ? { pathParameters: request.params } : {}),
    ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    isBase64Encoded: false,
    requestContext: {
      accountId: "000000000000",
      apiId: "package-test",
      domainName: "package-test.execute-api.us-east-1.amazonaws.com",
      domainPrefix: "package-test",
      http: { method, path, protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "vitest" },
      requestId: randomUUID(),
      routeKey: key,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
      authorizer: {
        iam: {
          accessKey: "AKIDPACKAGETEST",
          accountId: "000000000000",
          callerId: "AIDAPACKAGETEST",
          cognitoIdentity: null,
          principalOrgId: null,
          userArn: TEST_CALLER,
          userId: "AIDAPACKAGETEST",
        },
      },
    } as APIGatewayProxyEventV2["requestContext"],
  };
}
