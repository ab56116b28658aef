import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject } from "zod-openapi";
import { ROUTES } from "../../infra/routes";
import { ROUTE_SCHEMAS } from "./api-schemas";

/** The `{"error": {"code", "message"}}` body of every 4xx and 5xx. */
const errorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ description: "Stable machine-readable code, e.g. index_not_found" }),
      message: z
        .string()
        .meta({ description: "What was wrong: what was given, what was expected" }),
    }),
  })
  .meta({ id: "Error" });

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: errorBody } },
});

const SUCCESS_TEXT = {
  200: "OK",
  201: "Created",
  202: "Accepted: the work continues; poll the resource it names",
  204: "No content",
} as const;

/** A success answered with a JSON body of `schema` (a JSON object when undeclared). */
function jsonAnswer(status: keyof typeof SUCCESS_TEXT, schema: z.ZodType | undefined) {
  return {
    description: SUCCESS_TEXT[status],
    content: { "application/json": { schema: schema ?? z.looseObject({}) } },
  };
}

/** Every route's operation: its parameters, body and the answers it can give. */
function operation(routeId: string): ZodOpenApiOperationObject {
  const spec = ROUTE_SCHEMAS[routeId];
  if (!spec) throw new Error(`route ${routeId} has no entry in ROUTE_SCHEMAS`);
  const success = spec.success ?? 200;
  return {
    operationId: routeId,
    summary: spec.summary,
    requestParams: {
      ...(spec.params && { path: spec.params }),
      ...(spec.query && { query: spec.query }),
    },
    ...(spec.body && {
      requestBody: { required: true, content: { "application/json": { schema: spec.body } } },
    }),
    responses: {
      [success]:
        success === 204
          ? { description: SUCCESS_TEXT[204] }
          : spec.content
            ? {
                description: SUCCESS_TEXT[success],
                content: { [spec.content]: { schema: z.string() } },
              }
            : jsonAnswer(success, spec.response),
      ...(spec.also && { [spec.also]: jsonAnswer(spec.also, spec.response) }),
      ...(spec.mayContinue && { "202": jsonAnswer(202, spec.continued) }),
      "400": errorResponse("Bad input: the message names the field and the rule"),
      "404": errorResponse("Not found: the message names what"),
      "409": errorResponse("Conflict with the current state: the message says why"),
      "503": errorResponse("A transient fault of a store: retry after Retry-After seconds"),
    },
  };
}

/**
 * The OpenAPI 3.1 document of the API, generated from the route table (`infra/routes.ts`) and
 * the zod schemas the handlers validate with (`ROUTE_SCHEMAS`): it cannot drift from either.
 * `npm run openapi` writes it to `openapi.json`; `GET /openapi.json` serves it.
 */
export function openApiDocument(): ReturnType<typeof createDocument> {
  const document = generated();
  // zod-openapi lifts a schema's description onto path parameters only; query parameters get
  // theirs here, so every parameter is described where readers (and openapi-typescript) look.
  for (const item of Object.values(document.paths ?? {})) {
    for (const op of Object.values(item ?? {})) {
      const params = (op as { parameters?: { description?: string; schema?: unknown }[] })
        .parameters;
      for (const param of params ?? []) {
        const description = (param.schema as { description?: string } | undefined)?.description;
        if (param.description === undefined && description) param.description = description;
      }
    }
  }
  return document;
}

/** The document as zod-openapi generates it. */
function generated(): ReturnType<typeof createDocument> {
  const paths: Record<string, Record<string, ZodOpenApiOperationObject>> = {};
  for (const route of ROUTES) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, ZodOpenApiOperationObject>)[route.method.toLowerCase()] =
      operation(route.id);
  }
  return createDocument({
    openapi: "3.1.0",
    info: {
      title: "vectord",
      version: "1",
      description:
        "Vector indexes whose HNSW parameters tune themselves. Deployed, every request is signed " +
        "with SigV4 (service execute-api); the local stack checks no signatures.",
    },
    paths,
    components: {
      securitySchemes: { sigv4: { type: "apiKey", name: "Authorization", in: "header" } },
    },
    security: [{ sigv4: [] }],
  });
}
