import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from "aws-lambda";
import type { z } from "zod";
import { isTransient } from "../app/transient";
import {
  ConflictError,
  ContentionError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  VectordError,
} from "../domain/errors";
import { logger } from "../logger";
import { instrumented } from "../telemetry";
import { parseWith } from "./parse";

/** The request as a handler sees it: path, query and body accessors that validate. */
export interface ApiRequest {
  /** The API Gateway event. */
  readonly event: APIGatewayProxyEventV2;
  /**
   * Who is calling: the IAM identity API Gateway's IAM authorizer verified (its ARN), or
   * {@link ANONYMOUS_CALLER} where requests are not signed (the local stack).
   */
  readonly caller: string;
  /** A path parameter (URL-decoded, as API Gateway delivers it), parsed with `schema`. */
  path<S extends z.ZodType>(name: string, schema: S): z.infer<S>;
  /** The query string parameters, parsed with `schema`. */
  query<S extends z.ZodType>(schema: S): z.infer<S>;
  /** The JSON body, parsed with `schema` (a missing body counts as `{}`). */
  body<S extends z.ZodType>(schema: S): z.infer<S>;
}

/** What an API handler answers: an API Gateway HTTP API (payload 2.0) structured result. */
export type ApiResult = APIGatewayProxyStructuredResultV2;
/** A Lambda handler of one route: an API Gateway HTTP API (payload 2.0) event in, a result out. */
export type ApiHandler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<ApiResult>;

/** A JSON response. */
export function json(statusCode: number, body: unknown): ApiResult {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

/** A 202: the work goes on in a task; `location` is where to poll it. */
export function accepted(body: unknown, location: string): ApiResult {
  const result = json(202, body);
  return { ...result, headers: { ...result.headers, location } };
}

/** An empty 204 response. */
export function noContent(): ApiResult {
  return { statusCode: 204 };
}

/** An error response in the service's one error shape. */
export function errorResponse(
  statusCode: number,
  code: string,
  message: string,
  details: Record<string, unknown> = {},
): ApiResult {
  return json(statusCode, { error: { code, message, ...details } });
}

/**
 * The most a synchronous Lambda invocation takes as its event, and returns as its result, each
 * serialized (the body escaped inside it): 6 MiB. API Gateway answers a larger event with 413
 * `{"message":"Request Too Long"}` and a larger result with a bare 502, so the handler answers a
 * result in its stead, and the local server refuses an event as API Gateway does.
 */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * Whether `payload`, serialized, fits in {@link MAX_PAYLOAD_BYTES}: measured only when its body
 * (`bodyBytes`; escaping at most doubles a JSON or text body) might not.
 */
export function fitsPayload(payload: unknown, bodyBytes: number): { fits: boolean; bytes: number } {
  if (2 * bodyBytes + 64 * 1024 < MAX_PAYLOAD_BYTES) return { fits: true, bytes: bodyBytes };
  const bytes = Buffer.byteLength(JSON.stringify(payload));
  return { fits: bytes <= MAX_PAYLOAD_BYTES, bytes };
}

/** `result`, or a 400 `response_too_large` when it is over {@link MAX_PAYLOAD_BYTES}. */
function fitted(result: ApiResult, event: APIGatewayProxyEventV2): ApiResult {
  const { fits, bytes } = fitsPayload(result, Buffer.byteLength(result.body ?? ""));
  if (fits) return result;
  logger.warn("response over the Lambda payload limit", { routeKey: event.routeKey, bytes });
  return errorResponse(
    400,
    "response_too_large",
    `the answer is ${bytes.toLocaleString("en")} bytes, over the ${MAX_PAYLOAD_BYTES.toLocaleString("en")} a function may return; ask for less: a smaller k or fewer queries (search), a smaller limit, or fewer ids`,
  );
}

/** The caller of an unsigned request (the local stack checks no signatures). */
export const ANONYMOUS_CALLER = "api";

/** The IAM identity of a request signed with SigV4, from API Gateway's request context. */
export function callerOf(event: APIGatewayProxyEventV2): string {
  const iam = (
    event.requestContext as { authorizer?: { iam?: { userArn?: string; callerId?: string } } }
  ).authorizer?.iam;
  return iam?.userArn || iam?.callerId || ANONYMOUS_CALLER;
}

function statusOf(err: VectordError): number {
  if (err instanceof ValidationError) return 400;
  if (err instanceof ForbiddenError) return 403;
  if (err instanceof NotFoundError) return 404;
  if (err instanceof ConflictError) return 409;
  if (err instanceof ContentionError) return 503;
  return 500;
}

function readBody(event: APIGatewayProxyEventV2): unknown {
  if (event.body === undefined || event.body === null || event.body === "") return {};
  const text = event.isBase64Encoded
    ? Buffer.from(event.body, "base64").toString("utf8")
    : event.body;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError(`body is not valid JSON (${(err as Error).message})`, "invalid_json");
  }
}

/**
 * Wraps a use-case call as an API Gateway HTTP API (payload v2) Lambda handler: typed errors
 * become their 4xx/409/503 responses; anything else is logged with its stack and answered with
 * a 500 that names only the request id.
 */
export function apiHandler(fn: (request: ApiRequest) => Promise<ApiResult>): ApiHandler {
  return (event, context) =>
    instrumented(event.routeKey ?? "api", context, () => answer(event, context));

  async function answer(event: APIGatewayProxyEventV2, context?: Context): Promise<ApiResult> {
    let parsedBody: { value: unknown } | undefined;
    const request: ApiRequest = {
      event,
      caller: callerOf(event),
      // API Gateway HTTP APIs deliver path parameters already URL-decoded.
      path: (name, schema) => parseWith(schema, event.pathParameters?.[name], `path.${name}`),
      query: (schema) => parseWith(schema, event.queryStringParameters ?? {}, "query"),
      body: (schema) => {
        parsedBody ??= { value: readBody(event) };
        return parseWith(schema, parsedBody.value, "");
      },
    };
    try {
      return fitted(await fn(request), event);
    } catch (err) {
      const status = err instanceof VectordError ? statusOf(err) : 500;
      if (err instanceof VectordError && status !== 500) {
        return errorResponse(status, err.code, err.message, err.details);
      }
      const requestId = context?.awsRequestId ?? event.requestContext?.requestId ?? "unknown";
      if (isTransient(err)) {
        // The SDK already retried with backoff and jitter within its attempts; what was written
        // is removed, or swept if the outcome was ambiguous. The caller may retry.
        logger.warn("storage unavailable", {
          requestId,
          routeKey: event.routeKey,
          error: err as Error,
        });
        return {
          ...errorResponse(
            503,
            "service_unavailable",
            `a storage service is throttling or unavailable (${(err as Error).name}); the request may not have been applied; retrying it is safe (request id ${requestId})`,
          ),
          headers: { "content-type": "application/json", "retry-after": "1" },
        };
      }
      logger.error("unhandled error", { requestId, routeKey: event.routeKey, error: err as Error });
      return errorResponse(500, "internal_error", `internal error (request id ${requestId})`);
    }
  }
}
