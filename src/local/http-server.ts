import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { type RouteSpec, routeKey } from "../../infra/routes";
import {
  type ApiHandler,
  type ApiResult,
  fitsPayload,
  MAX_PAYLOAD_BYTES,
} from "../http/api-handler";
import { routeMatcher } from "../http/route-match";

/** A route of the shared route table with its loaded handler. */
export interface BoundRoute {
  /** The route. */
  readonly route: RouteSpec;
  /** The Lambda handler that answers it. */
  readonly handler: ApiHandler;
}

/** Largest request body the local server accepts (API Gateway's limit is 10 MB). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

function errorResult(statusCode: number, code: string, message: string): ApiResult {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ error: { code, message } }),
  };
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        req.resume(); // drain the rest; the answer is 413
        reject(new RangeError("body too large"));
        return;
      }
      chunks.push(chunk);
    });
    req.once("end", () =>
      resolve(chunks.length > 0 ? Buffer.concat(chunks).toString("utf8") : undefined),
    );
    req.once("error", reject);
  });
}

/** The API Gateway HTTP API (payload format 2.0) event for one request. */
function toEvent(
  req: IncomingMessage,
  url: URL,
  route: RouteSpec | undefined,
  rawParams: Record<string, string>,
  body: string | undefined,
): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  }
  // As API Gateway HTTP APIs do: path parameters (and rawPath) arrive URL-decoded.
  const pathParameters: Record<string, string> = {};
  for (const [name, raw] of Object.entries(rawParams))
    pathParameters[name] = decodeURIComponent(raw);
  const key = route ? routeKey(route) : "$default";
  const now = new Date();
  return {
    version: "2.0",
    routeKey: key,
    rawPath: decodeURIComponent(url.pathname),
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(pathParameters).length > 0 ? { pathParameters } : {}),
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
    requestContext: {
      accountId: "000000000000",
      apiId: "local",
      domainName: headers.host ?? "localhost",
      domainPrefix: "localhost",
      http: {
        method: req.method ?? "GET",
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? "127.0.0.1",
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: randomUUID(),
      routeKey: key,
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}

/** Options of the local HTTP server. */
export interface LocalServerOptions {
  /** Called once per request with its summary line. */
  readonly log?: (line: string) => void;
}

/**
 * An HTTP server that routes requests with the shared route table, turns each into the event
 * API Gateway would send, and calls the route's Lambda handler; requests no route matches go to
 * `fallback`, as API Gateway sends them to the `$default` route.
 */
export function createLocalServer(
  routes: readonly BoundRoute[],
  fallback: ApiHandler,
  options: LocalServerOptions = {},
): Server {
  const handlers = new Map(routes.map((bound) => [bound.route, bound.handler]));
  const match = routeMatcher(routes.map((bound) => bound.route));
  const handle = async (req: IncomingMessage, url: URL): Promise<ApiResult> => {
    const method = req.method ?? "GET";
    const found = match(method, url.pathname);
    let body: string | undefined;
    try {
      body = await readBody(req);
    } catch {
      return errorResult(413, "payload_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes`);
    }
    try {
      decodeURIComponent(url.pathname);
      for (const raw of Object.values(found.kind === "route" ? found.rawParams : {})) {
        decodeURIComponent(raw);
      }
    } catch {
      return errorResult(
        400,
        "invalid_path",
        `path ${url.pathname} has a malformed percent-encoding`,
      );
    }
    const route = found.kind === "route" ? found.route : undefined;
    const event = toEvent(req, url, route, found.kind === "route" ? found.rawParams : {}, body);
    const payload = fitsPayload(event, Buffer.byteLength(body ?? ""));
    if (!payload.fits) {
      return errorResult(
        413,
        "payload_too_large",
        `the request's Lambda event is ${payload.bytes.toLocaleString("en")} bytes; a function takes at most ${MAX_PAYLOAD_BYTES.toLocaleString("en")} (on AWS, API Gateway answers 413 "Request Too Long"): send fewer vectors per request`,
      );
    }
    const handler = (route && handlers.get(route)) ?? fallback;
    try {
      return await handler(event);
    } catch {
      return errorResult(
        500,
        "internal_error",
        `internal error (request id ${event.requestContext.requestId})`,
      );
    }
  };

  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const started = performance.now();
    const url = new URL(req.url ?? "/", "http://localhost");
    void handle(req, url).then((result) => {
      const status = result.statusCode ?? 200;
      res.writeHead(status, result.headers as Record<string, string> | undefined);
      res.end(result.body ?? "");
      const ms = (performance.now() - started).toFixed(1);
      options.log?.(`${req.method} ${url.pathname} ${status} ${ms}ms`);
    });
  });
}
