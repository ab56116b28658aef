import type { AwsCredentialIdentityProvider } from "@smithy/types";
import createClient from "openapi-fetch";
import type { paths } from "./api-types";
import { isLocal, regionOf, signedFetch } from "./signed-fetch";

/** Where the local stack (`npm start`) listens by default. */
export const LOCAL_ENDPOINT = "http://127.0.0.1:3000";

export interface ClientOptions {
  /** The API's base URL (default {@link LOCAL_ENDPOINT}). */
  readonly endpoint?: string;
  /**
   * Sign requests with SigV4 (default: yes unless the endpoint is this machine). The deployed API
   * authorizes with IAM; the local stack checks no signatures.
   */
  readonly sign?: boolean;
  /** The region to sign for (default: from the endpoint's host name, else `AWS_REGION`). */
  readonly region?: string;
  /** Credentials to sign with (default: the AWS SDK's default chain). */
  readonly credentials?: AwsCredentialIdentityProvider;
  /** The `fetch` to send unsigned requests with (tests). */
  readonly fetch?: typeof fetch;
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
  const sign = options.sign ?? !isLocal(endpoint);
  return createClient<paths>({
    baseUrl: endpoint,
    fetch: sign
      ? signedFetch(options.region ?? regionOf(endpoint), options.credentials)
      : (options.fetch ?? ((request: Request) => fetch(request))),
  });
}

export type VectordClient = ReturnType<typeof vectordClient>;
