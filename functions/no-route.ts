import { ROUTES } from "../infra/routes";
import { apiHandler, errorResponse } from "../src/http/api-handler";
import { routeMatcher } from "../src/http/route-match";

const match = routeMatcher(ROUTES);

/**
 * API Gateway's `$default` route (and the local server's fallback): every request no route
 * matches gets the service's JSON error shape, 404 `route_not_found` or 405 `method_not_allowed`.
 */
export const handler = apiHandler(async (req) => {
  const method = req.event.requestContext.http.method;
  const path = req.event.requestContext.http.path;
  const found = match(method, path);
  if (found.kind === "method_not_allowed") {
    return errorResponse(
      405,
      "method_not_allowed",
      `${method} is not allowed on ${path}; allowed: ${found.allowed.join(", ")}`,
    );
  }
  return errorResponse(404, "route_not_found", `no route for ${method} ${path}`);
});
