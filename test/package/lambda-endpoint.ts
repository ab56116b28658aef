import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Invocation, LambdaHost } from "./lambda-host";

/**
 * A Lambda endpoint for the package test: Invoke (`POST /2015-03-31/functions/{name}/invocations`)
 * runs the named bundled function through the {@link LambdaHost}. An `Event` invocation answers
 * 202 at once and runs in the background, as Lambda's asynchronous invocations do.
 */
export async function startLambdaEndpoint(host: LambdaHost) {
  const background: Promise<{ name: string; outcome: Invocation }>[] = [];
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? "");
    if (!match) {
      res.writeHead(404);
      res.end();
      return;
    }
    const name = decodeURIComponent(match[1] as string);
    const payload = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    const run = host.invoke(name, payload).then((outcome) => ({ name, outcome }));
    if (req.headers["x-amz-invocation-type"] === "Event") {
      background.push(run);
      res.writeHead(202);
      res.end();
      return;
    }
    const { outcome } = await run;
    res.writeHead(200, {
      "content-type": "application/json",
      ...(outcome.ok ? {} : { "x-amz-function-error": "Unhandled" }),
    });
    res.end(JSON.stringify(outcome.ok ? outcome.result : outcome.error));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Waits for the asynchronous invocations since the last call; returns their outcomes. */
    async settled() {
      return Promise.all(background.splice(0));
    },
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
