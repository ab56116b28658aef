import createClient from "openapi-fetch";
import type { paths } from "./api-types";
import { fetchFor, type SigningOptions } from "./signed-fetch";

/** Where the local stack (`npm start`) listens by default. */
export const LOCAL_ENDPOINT = "http://127.0.0.1:3000";

/** Options of {@link vectordClient}: the endpoint, and how requests are signed. */
export interface ClientOptions extends SigningOptions {
  /** The API's base URL (default {@link LOCAL_ENDPOINT}). */
  readonly endpoint?: string;
}

/**
 * A typed client of the vectord API (openapi-fetch over the types `npm run openapi` generates from
 * `openapi.json`): paths, parameters and request bodies are checked at compile time.
 *
 * ```ts
 * const api = vectordClient({ endpoint: "https://abc.execute-api.eu-west-1.amazonaws.com" });
 * const { data, error } = await api.POST("/vectors/indexes/{index}/search", {
 *   params: { path: { index: "docs" } },
 *   body: { vector: [0.1, 0.2], k: 10 },
 * });
 * ```
 */
export function vectordClient(options: ClientOptions = {}) {
  const endpoint = (options.endpoint ?? LOCAL_ENDPOINT).replace(/\/+$/, "");
  return createClient<paths>({ baseUrl: endpoint, fetch: fetchFor(endpoint, options) });
}

/** The typed API client {@link vectordClient} returns. */
export type VectordClient = ReturnType<typeof vectordClient>;
