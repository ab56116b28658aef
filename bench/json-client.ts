import { Agent, request } from "node:http";

/** A JSON answer: its status and its parsed body (`undefined` when empty). */
export interface JsonAnswer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes
  readonly body: any;
}

/**
 * JSON requests over kept-alive connections (what a real client does), at most `sockets` open at
 * once. A request on a connection the server closed while idle (`ECONNRESET`) is sent once more.
 */
export function jsonClient(baseUrl: string, sockets: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: sockets });
  const send = (method: string, path: string, payload?: string): Promise<JsonAnswer> =>
    new Promise((resolve, reject) => {
      const req = request(
        `${baseUrl}${path}`,
        {
          method,
          agent,
          headers: payload
            ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
            : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  return {
    async call(method: string, path: string, body?: unknown): Promise<JsonAnswer> {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      try {
        return await send(method, path, payload);
      } catch (err) {
        if ((err as { code?: string }).code !== "ECONNRESET") throw err;
        return send(method, path, payload);
      }
    },
    close: () => agent.destroy(),
  };
}
