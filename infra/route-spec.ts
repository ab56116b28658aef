import type { FunctionSpec, Throttle } from "./function-spec";

export type { FunctionSpec } from "./function-spec";

/**
 * One HTTP route and the Lambda function behind it, defined once: the CDK stack creates the
 * function, its grants and the API Gateway route from it; the local server routes requests with
 * the same table and calls the same handler.
 */
export interface RouteSpec extends FunctionSpec {
  /** The HTTP method. */
  readonly method: "GET" | "PUT" | "POST" | "DELETE";
  /** API Gateway path, with `{param}` placeholders. */
  readonly path: string;
  /** Overrides the stage's {@link DEFAULT_THROTTLE} for this route. */
  readonly throttle?: Throttle;
}

/** Stage-wide API Gateway throttling; a route may override it (`throttle`). */
export const DEFAULT_THROTTLE: Throttle = { rateLimit: 200, burstLimit: 400 };
/** Searches are the hot path: they get more headroom. */
export const SEARCH_THROTTLE: Throttle = { rateLimit: 1000, burstLimit: 2000 };
/** Graph builds take seconds of CPU each: a few per second per API at most. */
export const BUILD_THROTTLE: Throttle = { rateLimit: 5, burstLimit: 10 };

/** What every route that reads an index's catalog item needs. */
export const READ_INDEX = ["GetItem"] as const;

/** `METHOD /path`, as API Gateway names a route. */
export function routeKey(route: Pick<RouteSpec, "method" | "path">): string {
  return `${route.method} ${route.path}`;
}
