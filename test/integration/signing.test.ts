import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboardProxy } from "../../src/cli/dashboard-proxy";
import { vectordClient } from "../../src/client/client";
import { regionOf } from "../../src/client/signed-fetch";

// SigV4 signing of the typed client and the dashboard proxy, checked by a server that signs the
// request it received again (same key, same date) and compares signatures.

const credentials = async () => ({
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "session-token",
});
const received: { signatureOk: boolean; authorization: string; token: string; path: string }[] = [];
let url = "";
const server = createServer(async (req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const target = new URL(req.url ?? "/", "http://x");
  const authorization = String(req.headers.authorization ?? "");
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(";") ?? [];
  const headers = Object.fromEntries(signedHeaders.map((h) => [h, String(req.headers[h])]));
  const amzDate = String(req.headers["x-amz-date"]);
  const date = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13)}`,
  );
  const again = await new SignatureV4({
    service: "execute-api",
    region: "eu-west-1",
    credentials,
    sha256: Sha256,
  }).sign(
    new HttpRequest({
      method: req.method ?? "GET",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: Number(new URL(url).port),
      path: target.pathname,
      query: Object.fromEntries(target.searchParams),
      headers,
      ...(body.length && { body: new Uint8Array(body) }),
    }),
    { signingDate: date },
  );
  received.push({
    signatureOk: again.headers.authorization === authorization,
    authorization,
    token: String(req.headers["x-amz-security-token"]),
    path: `${target.pathname}${target.search}`,
  });
  res.writeHead(200, { "content-type": "application/json" }).end('{"indexes":[]}');
});

beforeAll(async () => {
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

describe("SigV4 signing for deployed endpoints", () => {
  it("tells the region from an execute-api host, else from AWS_REGION, else refuses", () => {
    expect(regionOf("https://abc123.execute-api.eu-west-1.amazonaws.com")).toBe("eu-west-1");
    expect(regionOf("https://api.example.com", "us-east-2")).toBe("us-east-2");
    expect(() => regionOf("https://api.example.com", "")).toThrow(/AWS_REGION/);
  });

  it("signs the typed client's requests, body and query included", async () => {
    received.length = 0;
    const api = vectordClient({ endpoint: url, sign: true, region: "eu-west-1", credentials });
    await api.POST("/vectors/indexes/{index}/search", {
      params: { path: { index: "docs" } },
      body: { vector: [1, 2, 3], k: 2 },
    });
    await api.GET("/vectors/hnsw/trials/{index}", {
      params: { path: { index: "docs" }, query: { limit: 5 } },
    });
    expect(received.map((r) => r.path)).toEqual([
      "/vectors/indexes/docs/search",
      "/vectors/hnsw/trials/docs?limit=5",
    ]);
    for (const r of received) {
      expect(r.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request/,
      );
      expect(r.signatureOk).toBe(true);
      expect(r.token).toBe("session-token");
    }
  });

  it("signs what the dashboard proxy forwards; the browser sends no credentials", async () => {
    received.length = 0;
    const proxy = await startDashboardProxy({
      endpoint: url,
      sign: true,
      region: "eu-west-1",
      credentials,
    });
    try {
      const res = await fetch(`${proxy.url}/vectors/indexes`);
      expect(await res.json()).toEqual({ indexes: [] });
      expect(received).toHaveLength(1);
      expect(received[0]?.signatureOk).toBe(true);
      // Only the page's API is forwarded.
      expect((await fetch(`${proxy.url}/etc/passwd`)).status).toBe(404);
      expect((await fetch(`${proxy.url}/dashboard/app.js`)).status).toBe(200);
      expect(received).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });
});
