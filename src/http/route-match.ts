import { type RouteSpec, routeKey } from "../../infra/routes";

/** A route of the route table, compiled to match request paths as API Gateway does. */
export interface CompiledRoute<R extends RouteSpec = RouteSpec> {
  /** The route. */
  readonly route: R;
  /** Its path as a regular expression, one group per parameter. */
  readonly pattern: RegExp;
  /** Its parameters' names, in the groups' order. */
  readonly params: readonly string[];
  /** Literal path segments: more literal means more specific, as API Gateway ranks routes. */
  readonly literals: number;
}

function compile<R extends RouteSpec>(route: R): CompiledRoute<R> {
  const params: string[] = [];
  const segments = route.path.split("/").filter(Boolean);
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
    route,
    pattern: new RegExp(`^${source}/?$`),
    params,
    literals: segments.length - params.length,
  };
}

/** The outcome of matching a request: its route and raw path parameters, or why none fits. */
export type RouteMatch<R extends RouteSpec> =
  | { readonly kind: "route"; readonly route: R; readonly rawParams: Record<string, string> }
  | { readonly kind: "method_not_allowed"; readonly allowed: readonly string[] }
  | { readonly kind: "not_found" };

/** Matches requests against a route table (most literal segments first, as API Gateway ranks). */
export function routeMatcher<R extends RouteSpec>(routes: readonly R[]) {
  const compiled = routes.map(compile).sort((a, b) => b.literals - a.literals);
  return (method: string, path: string): RouteMatch<R> => {
    const candidates = compiled.flatMap((c) => {
      const match = c.pattern.exec(path);
      return match ? [{ c, match }] : [];
    });
    const hit = candidates.find(({ c }) => c.route.method === method);
    if (hit) {
      const rawParams: Record<string, string> = {};
      hit.c.params.forEach((name, i) => {
        rawParams[name] = hit.match[i + 1] as string;
      });
      return { kind: "route", route: hit.c.route, rawParams };
    }
    if (candidates.length > 0) {
      return {
        kind: "method_not_allowed",
        allowed: [...new Set(candidates.map(({ c }) => c.route.method))],
      };
    }
    return { kind: "not_found" };
  };
}

export { routeKey };
