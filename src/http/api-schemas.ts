import { z } from "zod";
import { dashboardFileSchema } from "./dashboard-assets";
import { DATA_ROUTE_SCHEMAS } from "./data-route-schemas";
import { TUNING_ROUTE_SCHEMAS } from "./tuning-route-schemas";

/**
 * What each route of `infra/routes.ts` takes (its path parameters, query and JSON body), keyed by
 * route id: the schemas the handlers validate with, and the OpenAPI document is generated from.
 * A test checks that every route has an entry, so the two cannot drift.
 */
export interface RouteSchemas {
  /** One line on what the route does (the OpenAPI summary). */
  readonly summary: string;
  /** Its path parameters. */
  readonly params?: z.ZodObject;
  /** Its query string parameters. */
  readonly query?: z.ZodObject;
  /** Its JSON body. */
  readonly body?: z.ZodType;
  /**
   * The JSON body of a success (of every 2xx but a `mayContinue` 202), when declared: the
   * OpenAPI document's response schema, and what tests check the answers against. Routes without
   * it are documented as answering a JSON object.
   */
  readonly response?: z.ZodType;
  /** The JSON body of a `mayContinue` route's 202 (the run to poll), when declared. */
  readonly continued?: z.ZodType;
  /** What a success answers, when not JSON. */
  readonly content?: "text/html" | "text/plain";
  /** 200 (default), 201 or 204; 202 for what starts work that continues. */
  readonly success?: 200 | 201 | 202 | 204;
  /**
   * Another success status the route answers with a `response` body: 200 where `PutIndex`
   * confirms an existing index, and where `StartAutotune`'s job ended within its wait.
   */
  readonly also?: 200;
  /** Also answers 202 when the work it waits for outlasts the request (it continues). */
  readonly mayContinue?: true;
}

/**
 * Each route's summary, parameter and body schemas, answers and success status, by the route's
 * id: what the handlers validate with and what the OpenAPI document is generated from.
 */
export const ROUTE_SCHEMAS: Record<string, RouteSchemas> = {
  ...DATA_ROUTE_SCHEMAS,
  ...TUNING_ROUTE_SCHEMAS,
  GetOpenApi: { summary: "This document" },
  GetDashboard: { summary: "The dashboard (an HTML page)", content: "text/html" },
  GetDashboardAsset: {
    summary: "A script or style of the dashboard",
    params: z.object({ file: dashboardFileSchema }),
    content: "text/plain",
  },
};
