import { DATA_ROUTES } from "./data-routes";
import type { FunctionSpec } from "./function-spec";
import type { RouteSpec } from "./route-spec";
import { TUNING_ROUTES } from "./tuning-routes";

export type { FunctionSpec } from "./function-spec";
export { DEFAULT_THROTTLE, type RouteSpec, routeKey } from "./route-spec";

// The route table: every HTTP route and the function behind it, in the order the local server
// matches them. The routes themselves live by area in ./data-routes.ts and ./tuning-routes.ts.

/**
 * Answers every request no route matches (API Gateway's `$default` route, and the local server's
 * fallback): 404 `route_not_found`, or 405 `method_not_allowed` naming the allowed methods.
 */
export const DEFAULT_ROUTE: FunctionSpec = {
  id: "NoRoute",
  entry: "functions/no-route.ts",
  access: {},
};

/** The service's own pages: the dashboard and the OpenAPI document. */
const SERVICE_ROUTES: readonly RouteSpec[] = [
  {
    id: "GetDashboard",
    method: "GET",
    path: "/",
    entry: "functions/get-dashboard.ts",
    access: {},
    assets: "dashboard",
  },
  {
    id: "GetDashboardAsset",
    method: "GET",
    path: "/dashboard/{file}",
    entry: "functions/get-dashboard.ts",
    access: {},
    assets: "dashboard",
  },
  {
    id: "GetOpenApi",
    method: "GET",
    path: "/openapi.json",
    entry: "functions/get-openapi.ts",
    access: {},
  },
];

/**
 * Every route of the HTTP API, each with its function: what the CDK stack deploys and what the
 * local server dispatches. The one route table both read.
 */
export const ROUTES: readonly RouteSpec[] = [...DATA_ROUTES, ...SERVICE_ROUTES, ...TUNING_ROUTES];
