import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { RouteSpec } from "../../infra/routes";
import { ConflictError, NotFoundError, ValidationError } from "../../src/domain/errors";
import { apiHandler, json } from "../../src/http/api-handler";
import { routeMatcher } from "../../src/http/route-match";
import { createLocalServer } from "../../src/local/http-server";

const event = (over: Partial<APIGatewayProxyEventV2> = {}): APIGatewayProxyEventV2 =>
  ({
    version: "2.0",
    routeKey: "POST /things/{id}",
    rawPath: "/things/a%20b",
    rawQueryString: "",
    headers: {},
    isBase64Encoded: false,
    requestContext: { requestId: "req-1" },
    ...over,
  }) as APIGatewayProxyEventV2;

describe("apiHandler", () => {
  it("takes path parameters as API Gateway delivers them (decoded) and parses the JSON body", async () => {
    const handler = apiHandler(async (req) =>
      json(200, { id: req.path("id", z.string()), n: req.body(z.object({ n: z.number() })).n }),
    );
    const res = await handler(event({ pathParameters: { id: "50% off" }, body: '{"n":2}' }));
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body as string)).toEqual({ id: "50% off", n: 2 });
  });

  it.each([
    [new ValidationError("bad"), 400, "invalid_request"],
    [new NotFoundError("thing_not_found", "no thing"), 404, "thing_not_found"],
    [new ConflictError("busy", "busy"), 409, "busy"],
  ])("maps %s to its status and code", async (err, status, code) => {
    const res = await apiHandler(async () => {
      throw err;
    })(event());
    expect(res.statusCode).toBe(status);
    expect(JSON.parse(res.body as string)).toEqual({ error: { code, message: err.message } });
  });

  it("answers an unexpected error with a 500 that leaks no stack or message", async () => {
    const res = await apiHandler(async () => {
      throw new Error("secret detail at /var/task/index.mjs:1:2");
    })(event());
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain("secret");
    expect(res.body).not.toContain("index.mjs");
    expect(JSON.parse(res.body as string)).toEqual({
      error: { code: "internal_error", message: "internal error (request id req-1)" },
    });
  });

  it("names the field of a schema violation", async () => {
    const res = await apiHandler(async (req) =>
      json(200, req.body(z.object({ a: z.array(z.number()) }))),
    )(event({ body: '{"a":[1,"x"]}' }));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body as string).error.message).toMatch(/^a\[1\]: /);
  });
});

describe("local server routing", () => {
  const route = (id: string, method: RouteSpec["method"], path: string): RouteSpec => ({
    id,
    method,
    path,
    entry: "unused",
    access: {},
  });

  it("prefers literal segments over parameters, as API Gateway does", async () => {
    const routes = [
      route("ById", "GET", "/t/{index}/{id}"),
      route("Best", "GET", "/t/{index}/best"),
    ].map((r) => ({
      route: r,
      handler: apiHandler(async (req) =>
        json(200, { route: r.id, params: req.event.pathParameters }),
      ),
    }));
    const fallback = apiHandler(async (req) => json(404, { route: req.event.routeKey }));
    const server = createLocalServer(routes, fallback);
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
    const { port } = server.address() as { port: number };
    try {
      const best = await (await fetch(`http://127.0.0.1:${port}/t/ix/best`)).json();
      expect(best).toEqual({ route: "Best", params: { index: "ix" } });
      const byId = await (await fetch(`http://127.0.0.1:${port}/t/ix/42`)).json();
      expect(byId).toEqual({ route: "ById", params: { index: "ix", id: "42" } });
      const wrong = await fetch(`http://127.0.0.1:${port}/t/ix/42`, { method: "DELETE" });
      expect(await wrong.json()).toEqual({ route: "$default" });
    } finally {
      server.close();
    }
  });

  it("tells a wrong method from an unknown path", () => {
    const match = routeMatcher([route("A", "GET", "/t/{index}"), route("B", "PUT", "/t/{index}")]);
    expect(match("DELETE", "/t/x")).toEqual({
      kind: "method_not_allowed",
      allowed: ["GET", "PUT"],
    });
    expect(match("GET", "/u/x")).toEqual({ kind: "not_found" });
    expect(match("PUT", "/t/x")).toMatchObject({ kind: "route", rawParams: { index: "x" } });
  });
});
