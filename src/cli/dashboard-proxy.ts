import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { fetchFor, type SigningOptions } from "../client/signed-fetch";
import { dashboardFileSchema, dashboardResponse } from "../http/dashboard-assets";

/** Paths the proxy forwards to the API (everything the page calls). */
const API_PREFIXES = ["/vectors/", "/openapi.json"];

/** A running dashboard proxy: the local URL to open, and how to stop it. */
export interface DashboardProxy {
  /** The local URL to open. */
  readonly url: string;
  /** Stops the proxy. */
  close(): Promise<void>;
}

/**
 * `vectord dashboard`: serves the dashboard's page from this package and forwards the page's API
 * calls to `endpoint`, signed with SigV4 from the default AWS credential chain when the endpoint
 * is not this machine: the browser never holds keys. Listens on 127.0.0.1 only.
 */
export async function startDashboardProxy(
  options: SigningOptions & { endpoint: string; port?: number },
): Promise<DashboardProxy> {
  const endpoint = options.endpoint.replace(/\/+$/, "");
  const send = fetchFor(endpoint, options);
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      res.writeHead(502, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ error: { code: "bad_gateway", message: `${endpoint}: ${err.message}` } }),
      );
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (req.method === "GET" && (url.pathname === "/" || url.pathname.startsWith("/dashboard/"))) {
      const name = url.pathname === "/" ? "index.html" : url.pathname.slice("/dashboard/".length);
      const parsed = dashboardFileSchema.safeParse(name);
      if (!parsed.success) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      const { headers, body } = dashboardResponse(parsed.data);
      res.writeHead(200, headers).end(body);
      return;
    }
    if (!API_PREFIXES.some((p) => url.pathname.startsWith(p))) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const answer = await send(`${endpoint}${url.pathname}${url.search}`, {
      method: req.method ?? "GET",
      headers: body ? { "content-type": "application/json" } : {},
      ...(body && { body }),
    });
    const headers: Record<string, string> = {};
    const type = answer.headers.get("content-type");
    if (type) headers["content-type"] = type;
    res.writeHead(answer.status, headers).end(Buffer.from(await answer.arrayBuffer()));
  }
  await new Promise<void>((ok) => server.listen(options.port ?? 0, "127.0.0.1", () => ok()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
