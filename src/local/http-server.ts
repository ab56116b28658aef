import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { type RouteSpec, routeKey } from "../../infra/routes";
import type { ApiHandler, ApiResult } from "../http/api-handler";

/** A route of the shared route table with its loaded handler. */
export interface BoundRoute {
  readonly route: RouteSpec;
  readonly handler: ApiHandler;
}

interface CompiledRoute extends BoundRoute {
  readonly pattern: RegExp;
  readonly params: readonly string[];
  /** Literal path segments: more literal means more specific, as API Gateway ranks routes. */
  readonly literals: number;
}

function compile(bound: BoundRoute): CompiledRoute {
  const params: string[] = [];
  const segments = bound.route.path.split("/").filter(Boolean);
  const source = segments
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param) {
        params.push(param[1] as string);
        return "/([^/]+)";
      }
      return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`;
    })
    .join("");
  return {
    ...bound,
    pattern: new RegExp(`^${source}/?$`),
    params,
    literals: segments.length - params.length,
  };
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

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RangeError("body too large");
    chunks.push(chunk as Buffer);
  }
  return chunks.length > 0 ? Buffer.concat(chunks).toString("utf8") : undefined;
}

/** The API Gateway HTTP API (payload format 2.0) event for one request. */
function toEvent(
  req: IncomingMessage,
  url: URL,
  route: CompiledRoute,
  match: RegExpExecArray,
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
  route.params.forEach((name, i) => {
    pathParameters[name] = decodeURIComponent(match[i + 1] as string);
  });
  const now = new Date();
  return {
    version: "2.0",
    routeKey: routeKey(route.route),
    rawPath: decodeURIComponent(url.pathname),
    rawQueryString: url.search.slice(1),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(route.params.length > 0 ? { pathParameters } : {}),
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
      routeKey: routeKey(route.route),
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
  };
}

export interface LocalServerOptions {
  /** Called once per request with its summary line. */
  readonly log?: (line: string) => void;
}

/**
 * An HTTP server that routes requests with the shared route table, turns each into the event
 * API Gateway would send, and calls the route's Lambda handler.
 */
export function createLocalServer(
  routes: readonly BoundRoute[],
  options: LocalServerOptions = {},
): Server {
  const compiled = routes.map(compile).sort((a, b) => b.literals - a.literals);
  const handle = async (req: IncomingMessage, url: URL): Promise<ApiResult> => {
    const method = req.method ?? "GET";
    const candidates = compiled.flatMap((route) => {
      const match = route.pattern.exec(url.pathname);
      return match ? [{ route, match }] : [];
    });
    const hit = candidates.find((c) => c.route.route.method === method);
    if (!hit) {
      if (candidates.length > 0) {
        const allowed = [...new Set(candidates.map((c) => c.route.route.method))].join(", ");
        return errorResult(
          405,
          "method_not_allowed",
          `${method} is not allowed on ${url.pathname}; allowed: ${allowed}`,
        );
      }
      return errorResult(404, "route_not_found", `no route for ${method} ${url.pathname}`);
    }
    let body: string | undefined;
    try {
      body = await readBody(req);
    } catch {
      return errorResult(413, "payload_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes`);
    }
    try {
      decodeURIComponent(url.pathname);
    } catch {
      return errorResult(
        400,
        "invalid_path",
        `path ${url.pathname} has a malformed percent-encoding`,
      );
    }
    const event = toEvent(req, url, hit.route, hit.match, body);
    try {
      return await hit.route.handler(event);
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
