import { Sha256 } from "@aws-crypto/sha256-js";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { AwsCredentialIdentityProvider } from "@smithy/types";

/**
 * The region of an API Gateway endpoint (`https://{id}.execute-api.{region}.amazonaws.com`), or
 * `fallback` (for a custom domain: `AWS_REGION`). Throws when neither names one.
 */
export function regionOf(endpoint: string, fallback = process.env.AWS_REGION): string {
  const match = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com/.exec(new URL(endpoint).hostname);
  const region = match?.[1] ?? fallback;
  if (!region) {
    throw new Error(
      `cannot tell the AWS region of ${endpoint}; expected an execute-api URL or AWS_REGION set`,
    );
  }
  return region;
}

/** Whether an endpoint is this machine (the local stack checks no signatures). */
export function isLocal(endpoint: string): boolean {
  return ["localhost", "127.0.0.1", "[::1]"].includes(new URL(endpoint).hostname);
}

/**
 * A `fetch` that signs each request with SigV4 for API Gateway (`execute-api`), with credentials
 * from the AWS SDK's default chain (environment, SSO, profiles, instance roles) unless given.
 */
export function signedFetch(
  region: string,
  credentials: AwsCredentialIdentityProvider = fromNodeProviderChain(),
): typeof fetch {
  const signer = new SignatureV4({ service: "execute-api", region, credentials, sha256: Sha256 });
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body = request.body ? new Uint8Array(await request.arrayBuffer()) : undefined;
    const headers: Record<string, string> = { host: url.host };
    request.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const signed = await signer.sign(
      new HttpRequest({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port && { port: Number(url.port) }),
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        ...(body && { body }),
      }),
    );
    return fetch(url, {
      method: request.method,
      headers: signed.headers,
      ...(body && { body }),
    });
  };
}

/** How a caller of the API sends: signed for a deployed endpoint, plain for the local stack. */
export interface SigningOptions {
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

/** The `fetch` that requests to `endpoint` go through, per {@link SigningOptions}. */
export function fetchFor(endpoint: string, options: SigningOptions): typeof fetch {
  const sign = options.sign ?? !isLocal(endpoint);
  if (sign) return signedFetch(options.region ?? regionOf(endpoint), options.credentials);
  return options.fetch ?? ((input, init) => fetch(input, init));
}
