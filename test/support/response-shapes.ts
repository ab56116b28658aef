import { ROUTES } from "../../infra/routes";
import { ROUTE_SCHEMAS } from "../../src/http/api-schemas";
import { routeMatcher } from "../../src/http/route-match";

// Every answer the tests' HTTP client receives is checked against the response schema its route
// declares (ROUTE_SCHEMAS[...].response, the OpenAPI document's): a field the API answers but does
// not declare, or a declared one it answers in another shape, fails the test that saw it.

const match = routeMatcher(ROUTES);

/**
 * Route ids whose declared response schema checked at least one answer in this process (a
 * `mayContinue` route's 202 counts as `<id>/202`).
 */
export const checkedRoutes = new Set<string>();

/** A 2xx JSON answer that does not match its route's declared response schema. */
export class ResponseShapeError extends Error {
  override readonly name = "ResponseShapeError";
}

/**
 * Checks `body`, a 2xx JSON answer to `method path` (the query string left off), against its
 * route's declared response (see {@link checkRouteResponse}).
 */
export function checkResponse(method: string, path: string, status: number, body: unknown): void {
  const found = match(method, path);
  if (found.kind === "route") checkRouteResponse(found.route.id, status, body);
}

/**
 * Checks `body`, an answer of route `routeId` with `status`, against the route's declared
 * response when it is a 2xx JSON answer (a `mayContinue` route's 202 against its `continued`
 * schema); throws a {@link ResponseShapeError} naming the route and each mismatch.
 */
export function checkRouteResponse(routeId: string, status: number, body: unknown): void {
  if (status < 200 || status > 299 || body === undefined) return;
  const spec = ROUTE_SCHEMAS[routeId];
  if (!spec) return;
  const declared = [spec.success ?? 200, spec.also, spec.mayContinue && 202];
  if (!declared.includes(status)) {
    throw new ResponseShapeError(
      `${routeId} answered ${status}, a success status its schemas do not declare (${declared.filter(Boolean).join(", ")})`,
    );
  }
  const continued = status === 202 && spec.mayContinue;
  const schema = continued ? spec.continued : spec.response;
  if (!schema) return;
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (i) => `${i.path.join(".") || "(body)"}: ${i.message}`,
    );
    throw new ResponseShapeError(
      `${routeId} answered ${status} with a body its declared response schema refuses: ${problems.join("; ")}`,
    );
  }
  checkedRoutes.add(continued ? `${routeId}/202` : routeId);
}
