import { expect } from "vitest";
import { ROUTES, type RouteSpec } from "../../infra/routes";
import type { Clients } from "../../src/clients";
import type { Settings } from "../../src/settings";
import { checkRouteResponse } from "../support/response-shapes";
import { apiEvent } from "./api-event";
import type { startLambdaEndpoint } from "./lambda-endpoint";
import type { LambdaHost } from "./lambda-host";

/** The index every chapter of the package test works on. */
export const PKG = { params: { index: "pkg" } } as const;

/** The deployed functions as the package test reaches them, and what has answered so far. */
export interface DeployedCalls {
  readonly host: LambdaHost;
  readonly lambda: Awaited<ReturnType<typeof startLambdaEndpoint>>;
  readonly settings: Settings;
  readonly clients: Clients;
  /** Ids of the functions that have answered (API routes and tasks alike). */
  readonly answered: Set<string>;
  /**
   * Calls API function `id` with an API Gateway event for its route; its status and parsed
   * body. A 5xx fails the test with the function's last logs.
   */
  api(id: string, request?: Parameters<typeof apiEvent>[1]): Promise<{ status: number; body: any }>;
  /**
   * Waits for the asynchronous invocations so far, checks that every one of task `name` succeeded
   * (and that there was one), and returns the result of its last one.
   */
  settledTask(name: string): Promise<unknown>;
}

/** The API route with id `id`. */
export function route(id: string): RouteSpec {
  const found = ROUTES.find((r) => r.id === id);
  if (!found) throw new Error(`no route ${id}`);
  return found;
}

export function deployedCalls(deployment: Omit<DeployedCalls, "answered" | "api" | "settledTask">) {
  const { host, lambda } = deployment;
  const answered = new Set<string>();
  const calls: DeployedCalls = {
    ...deployment,
    answered,
    async api(id, request = {}) {
      const response = await host.call(id, apiEvent(route(id), request));
      answered.add(id);
      if (response.statusCode >= 500) {
        throw new Error(`${id} answered ${response.body}\n${host.logsOf(id).slice(-3000)}`);
      }
      const status = response.statusCode as number;
      const body = response.body ? JSON.parse(response.body) : undefined;
      // The shipped bundles answer in the shapes the OpenAPI document declares.
      checkRouteResponse(id, status, body);
      return { status, body };
    },
    async settledTask(name) {
      const outcomes = (await lambda.settled()).filter((c) => c.name === name);
      expect(outcomes.length).toBeGreaterThan(0);
      for (const { outcome } of outcomes) {
        if (!outcome.ok) throw new Error(`${name} failed: ${JSON.stringify(outcome)}`);
      }
      answered.add(name);
      return (outcomes.at(-1) as { outcome: { result: unknown } }).outcome.result;
    },
  };
  return calls;
}
