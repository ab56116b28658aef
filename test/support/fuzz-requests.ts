import fc from "fast-check";
import { ROUTES, type RouteSpec } from "../../infra/routes";
import { BAD_PARAM, BAD_VALUES, FIELDS, nest, QUERIES, TEMPLATES } from "./fuzz-templates";

// The fuzzer's requests (see test/integration/fuzz.test.ts): every route's valid template with
// defects and noise laid over it (data: ./fuzz-templates.ts).

/** The schema kind of a path parameter: vector ids, ULIDs, or names (indexes, harnesses, profiles). */
const paramKind = (route: RouteSpec, param: string) =>
  param === "id" && route.path.includes("/vectors/{id}")
    ? "id"
    : ["trial_id", "job_id", "import_id", "activation_id", "run_id"].includes(param)
      ? "ulid"
      : "name";

function set(
  target: Record<string, unknown>,
  path: string,
  value: unknown,
): Record<string, unknown> {
  const copy = structuredClone(target);
  const parts = path.split(".");
  let at: Record<string, unknown> = copy;
  for (const p of parts.slice(0, -1)) at = at[p] as Record<string, unknown>;
  at[parts.at(-1) as string] = value;
  return copy;
}

export interface Request {
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly defect: string;
}

function pathOf(route: RouteSpec, params: Record<string, string>, query?: Record<string, string>) {
  let path = route.path;
  for (const [name, value] of Object.entries(params)) path = path.replace(`{${name}}`, value);
  const qs = query ? new URLSearchParams(query).toString() : "";
  return qs ? `${path}?${qs}` : path;
}

/** Requests with at least one defect, for one route. */
export function requestsFor(route: RouteSpec): fc.Arbitrary<Request> {
  const t = TEMPLATES[route.id];
  if (!t) throw new Error(`no template for ${route.id}`);
  const noise = fc.oneof(
    fc.constant({}),
    fc.constant({ zz_deep: nest(2000) }),
    fc.constant({ zz_long: "y".repeat(100_000) }),
    fc.constant({ zz_many: Array(5000).fill(1) }),
  );
  const options: fc.Arbitrary<Request>[] = [];
  const params = Object.keys(t.params);
  if (params.length > 0) {
    options.push(
      fc.record({ param: fc.constantFrom(...params), pick: fc.nat() }).map(({ param, pick }) => {
        const bad = BAD_PARAM[paramKind(route, param)] as string[];
        const value = bad[pick % bad.length] as string;
        const body = t.body ? JSON.stringify(t.body) : undefined;
        return {
          method: route.method,
          path: pathOf(route, { ...t.params, [param]: value }, t.query),
          ...(body ? { body } : {}),
          defect: `path ${param}=${value.slice(0, 30)}`,
        };
      }),
    );
  }
  const allowed = new Set<string>(ROUTES.filter((r) => r.path === route.path).map((r) => r.method));
  const wrong = ["GET", "PUT", "POST", "DELETE", "PATCH"].filter((m) => !allowed.has(m));
  options.push(
    fc.constantFrom(...wrong).map((method) => ({
      method,
      path: pathOf(route, t.params, t.query),
      defect: `method ${method}`,
    })),
  );
  if (t.body) {
    const body = t.body;
    const path = pathOf(route, t.params, t.query);
    options.push(
      fc
        .constantFrom("{", '{"a":}', "[1,2", "nul", '"open', "\u0000", "{}}")
        .map((text) => ({ method: route.method, path, body: text, defect: `json ${text}` })),
      fc.constantFrom(1, "s", [], null, true, [body]).map((v) => ({
        method: route.method,
        path,
        body: JSON.stringify(v),
        defect: "not an object",
      })),
      fc.tuple(noise, fc.jsonValue({ maxDepth: 3 })).map(([extra, v]) => ({
        method: route.method,
        path,
        body: JSON.stringify({ ...body, ...extra, zz_unknown: v }),
        defect: "unknown field",
      })),
    );
    const fields = FIELDS[route.id] ?? [];
    if (fields.length > 0) {
      options.push(
        fc
          .record({ f: fc.constantFrom(...fields), pick: fc.nat(), extra: noise })
          .map(({ f, pick, extra }) => {
            const [field, bad] = f;
            const value = bad[pick % bad.length];
            const broken = set(body, field, value);
            // Noise goes in only as unknown fields (it is a second defect, never a masking one).
            const withNoise = Object.keys(extra).length > 0 ? { ...broken, ...extra } : broken;
            return {
              method: route.method,
              path,
              body: JSON.stringify(withNoise),
              defect: `field ${field}=${JSON.stringify(value)?.slice(0, 40)}`,
            };
          }),
      );
    }
    // Any other field of the body, replaced by a value no schema takes there.
    options.push(
      fc
        .record({ key: fc.constantFrom(...Object.keys(body)), pick: fc.nat() })
        .map(({ key, pick }) => {
          const value = BAD_VALUES[pick % BAD_VALUES.length];
          return {
            method: route.method,
            path,
            body: JSON.stringify({ ...body, [key]: value, zz_unknown: 1 }),
            defect: `${key} replaced, and an unknown field`,
          };
        }),
    );
  }
  const queries = QUERIES[route.id];
  if (queries) {
    options.push(
      fc.constantFrom(...queries).map((query) => ({
        method: route.method,
        path: pathOf(route, t.params, query),
        ...(t.body ? { body: JSON.stringify(t.body) } : {}),
        defect: `query ${JSON.stringify(query).slice(0, 60)}`,
      })),
    );
  }
  return fc.oneof(...options);
}

/** Everything the service stores: every table's items and every object's key and tag. */

/** Every listed bad value of every field, and every bad path parameter, once each. */
export function everyListedDefect(): Request[] {
  const out: Request[] = [];
  for (const route of ROUTES) {
    const t = TEMPLATES[route.id];
    if (!t) continue;
    for (const [field, bad] of FIELDS[route.id] ?? []) {
      for (const value of bad) {
        out.push({
          method: route.method,
          path: pathOf(route, t.params, t.query),
          body: JSON.stringify(set(t.body ?? {}, field, value)),
          defect: `field ${field}=${JSON.stringify(value)?.slice(0, 40)}`,
        });
      }
    }
    for (const param of Object.keys(t.params)) {
      for (const value of BAD_PARAM[paramKind(route, param)] ?? []) {
        out.push({
          method: route.method,
          path: pathOf(route, { ...t.params, [param]: value }, t.query),
          ...(t.body ? { body: JSON.stringify(t.body) } : {}),
          defect: `path ${param}=${value.slice(0, 30)}`,
        });
      }
    }
    for (const query of QUERIES[route.id] ?? []) {
      out.push({
        method: route.method,
        path: pathOf(route, t.params, query),
        ...(t.body ? { body: JSON.stringify(t.body) } : {}),
        defect: `query ${JSON.stringify(query).slice(0, 60)}`,
      });
    }
  }
  return out;
}
