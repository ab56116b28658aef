import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { ROUTES } from "../../infra/routes";
import { clientTypes, openApiText } from "../../scripts/openapi-files";
import { ROUTE_SCHEMAS } from "../../src/http/api-schemas";
import { openApiDocument } from "../../src/http/openapi";
import { REPO_ROOT } from "../../src/local/repo-root";

/** What the description test reads of an operation. */
interface OperationShape {
  readonly parameters?: {
    readonly in: string;
    readonly name: string;
    readonly description?: string;
  }[];
  readonly requestBody?: unknown;
}

const doc = openApiDocument() as unknown as {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string }>>;
};

/** The route of a concrete path, by the document's templated paths (literal segments first). */
function operationOf(method: string, path: string) {
  const params = (template: string) => template.split("{").length;
  const templates = Object.entries(doc.paths).sort(([a], [b]) => params(a) - params(b));
  for (const [template, item] of templates) {
    const names: string[] = [];
    const pattern = template.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    const match = new RegExp(`^${pattern}$`).exec(path);
    const operation = item[method.toLowerCase()];
    if (match && operation) {
      const params = Object.fromEntries(
        names.map((n, i) => [n, decodeURIComponent(match[i + 1] as string)]),
      );
      return { operation, params };
    }
  }
  return undefined;
}

/** Every `curl` request in README's shell blocks: method, path, query and JSON body. */
function readmeRequests() {
  const readme = readFileSync(resolve(REPO_ROOT, "README.md"), "utf8");
  const blocks = [...readme.matchAll(/```(?:sh|bash)\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const requests: {
    line: string;
    method: string;
    path: string;
    query: URLSearchParams;
    body?: unknown;
  }[] = [];
  for (const block of blocks) {
    for (const m of block.matchAll(
      /curl (?:-X (\w+) )?"?(?:localhost|127\.0\.0\.1):3000([^\s"]*)"?(?: -d '([^']*)')?/g,
    )) {
      const url = new URL(m[2] as string, "http://localhost");
      requests.push({
        line: m[0].split("\n")[0] as string,
        method: m[1] ?? (m[3] === undefined ? "GET" : "POST"),
        path: url.pathname,
        query: url.searchParams,
        body: m[3] === undefined ? undefined : JSON.parse(m[3]),
      });
    }
  }
  return requests;
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1 and has every route of the route table, under its id", () => {
    expect(doc.openapi).toBe("3.1.0");
    for (const route of ROUTES) {
      expect(doc.paths[route.path]?.[route.method.toLowerCase()]?.operationId, route.id).toBe(
        route.id,
      );
    }
    const operations = Object.values(doc.paths).flatMap((item) => Object.values(item));
    expect(operations).toHaveLength(ROUTES.length);
  });

  it("describes every parameter and every field of every request body", () => {
    const full = openApiDocument() as unknown as {
      paths: Record<string, Record<string, OperationShape>>;
    };
    const missing: string[] = [];
    let described = 0;
    const fields = (schema: unknown, at: string): void => {
      if (Array.isArray(schema)) {
        for (const s of schema) fields(s, at);
        return;
      }
      if (!schema || typeof schema !== "object") return;
      const { properties, ...rest } = schema as { properties?: Record<string, unknown> };
      for (const [name, field] of Object.entries(properties ?? {})) {
        if ((field as { description?: string }).description) described++;
        else missing.push(`${at}.${name}`);
        fields(field, `${at}.${name}`);
      }
      for (const value of Object.values(rest)) fields(value, at);
    };
    for (const [path, item] of Object.entries(full.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const at = `${method.toUpperCase()} ${path}`;
        for (const param of op.parameters ?? []) {
          if (param.description) described++;
          else missing.push(`${at} ${param.in} ${param.name}`);
        }
        fields(op.requestBody, at);
      }
    }
    expect(missing).toEqual([]);
    expect(described).toBeGreaterThan(150);
  });

  it("declares 202 beside 200 exactly where a request may stop waiting for its task", () => {
    const answers = (path: string) =>
      Object.keys(
        (doc.paths[path]?.post as unknown as { responses?: Record<string, unknown> } | undefined)
          ?.responses ?? {},
      );
    for (const path of ["/vectors/hnsw/activate/{index}", "/vectors/profiles/{id}/activate"]) {
      expect(answers(path), path).toEqual(expect.arrayContaining(["200", "202"]));
    }
    expect(answers("/vectors/hnsw/promote/{index}/{trial_id}")).not.toContain("202");
  });

  it("is committed up to date, with the client's types (npm run openapi)", async () => {
    const committed = readFileSync(resolve(REPO_ROOT, "openapi.json"), "utf8");
    expect(committed === openApiText(), "openapi.json is stale: run npm run openapi").toBe(true);
    const types = readFileSync(resolve(REPO_ROOT, "src/client/api-types.ts"), "utf8");
    expect(
      types === (await clientTypes(committed)),
      "api-types.ts is stale: run npm run openapi",
    ).toBe(true);
  });

  it("accepts every request README shows, by path, query and body", () => {
    const requests = readmeRequests();
    expect(requests.length).toBeGreaterThan(40);
    for (const request of requests) {
      const found = operationOf(request.method, request.path);
      expect(found, `${request.line}: no operation`).toBeDefined();
      const schemas = ROUTE_SCHEMAS[found?.operation.operationId as string];
      const check = (
        what: string,
        schema: { safeParse(v: unknown): { success: boolean; error?: unknown } } | undefined,
        value: unknown,
      ) => {
        if (!schema) return;
        const result = schema.safeParse(value);
        expect(result.success, `${request.line}: ${what} ${JSON.stringify(result.error)}`).toBe(
          true,
        );
      };
      check("path", schemas?.params, found?.params);
      // Placeholders such as next_token=... stand for a value the reader pastes.
      const query = Object.fromEntries([...request.query].filter(([, v]) => v !== "..."));
      check("query", schemas?.query, query);
      if (schemas?.body) check("body", schemas.body, request.body);
      else
        expect(request.body, `${request.line}: a body on a route that takes none`).toBeUndefined();
    }
  });

  it("refuses what the schemas refuse: a README-like request with a wrong field fails", () => {
    const search = ROUTE_SCHEMAS.Search?.body;
    expect(search?.safeParse({ vector: [1, 0, 0], k: 2 }).success).toBe(true);
    expect(search?.safeParse({ vector: [1, 0, 0], kk: 2 }).success).toBe(false);
  });
});
