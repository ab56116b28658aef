import {
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { type AuthorizedCall, isAllowed, type Statement } from "./iam-check";

/** One AWS call a function made, and whether its policy allows it. */
export interface RecordedCall extends AuthorizedCall {
  readonly functionId: string;
  readonly allowed: boolean;
}

const REGION = "us-east-1";
const ACCOUNT = "000000000000";

function xmlUnescape(text: string): string {
  return text
    .replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">")
    .replaceAll("&quot;", '"')
    .replaceAll("&apos;", "'")
    .replaceAll("&amp;", "&");
}

/** The IAM view of a DynamoDB request (AWS JSON protocol: the action is in X-Amz-Target). */
function dynamodbCalls(req: IncomingMessage, body: Buffer): AuthorizedCall[] {
  const target = String(req.headers["x-amz-target"] ?? "");
  const action = `dynamodb:${target.split(".")[1] ?? "Unknown"}`;
  const input = JSON.parse(body.toString("utf8") || "{}") as {
    TableName?: string;
    IndexName?: string;
  };
  const table = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${input.TableName}`;
  return [{ action, resource: input.IndexName ? `${table}/index/${input.IndexName}` : table }];
}

/** The IAM view of an S3 request (path style: /bucket/key). */
function s3Calls(req: IncomingMessage, body: Buffer): AuthorizedCall[] {
  const url = new URL(req.url ?? "/", "http://local");
  const [, bucket = "", ...rest] = url.pathname.split("/");
  const key = decodeURIComponent(rest.join("/"));
  const object = `arn:aws:s3:::${bucket}/${key}`;
  const method = req.method ?? "GET";
  const q = url.searchParams;
  if (!key) {
    if (method === "GET" && q.has("list-type")) {
      return [
        {
          action: "s3:ListBucket",
          resource: `arn:aws:s3:::${bucket}`,
          conditions: { "s3:prefix": q.get("prefix") ?? "" },
        },
      ];
    }
    if (method === "POST" && q.has("delete")) {
      return [...body.toString("utf8").matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((m) => ({
        action: "s3:DeleteObject",
        resource: `arn:aws:s3:::${bucket}/${xmlUnescape(m[1] as string)}`,
      }));
    }
    return [{ action: `s3:${method}Bucket`, resource: `arn:aws:s3:::${bucket}` }];
  }
  if (method === "GET" || method === "HEAD") return [{ action: "s3:GetObject", resource: object }];
  if (method === "DELETE") {
    return [
      {
        action: q.has("uploadId") ? "s3:AbortMultipartUpload" : "s3:DeleteObject",
        resource: object,
      },
    ];
  }
  const source = req.headers["x-amz-copy-source"];
  const calls: AuthorizedCall[] = [{ action: "s3:PutObject", resource: object }];
  if (typeof source === "string") {
    calls.push({
      action: "s3:GetObject",
      resource: `arn:aws:s3:::${decodeURIComponent(source).replace(/^\//, "")}`,
    });
  }
  return calls;
}

/**
 * Proxies in front of dynalite and s3rver, one pair per function, that forward every request
 * unchanged (signatures stay valid) and record it with whether the function's synthesized IAM
 * policy allows it. Emulators accept any credentials; this is where least privilege is checked.
 */
export class AwsRecorder {
  private readonly servers: Server[] = [];
  private readonly endpoints = new Map<string, Promise<{ dynamodb: string; s3: string }>>();
  readonly calls: RecordedCall[] = [];

  constructor(
    private readonly targets: { dynamodb: string; s3: string },
    private readonly statementsOf: (functionId: string) => readonly Statement[],
  ) {}

  /** The endpoints a function's SDK clients should use. */
  endpointsFor(functionId: string): Promise<{ dynamodb: string; s3: string }> {
    let found = this.endpoints.get(functionId);
    if (!found) {
      found = Promise.all([
        this.proxy(functionId, this.targets.dynamodb, dynamodbCalls),
        this.proxy(functionId, this.targets.s3, s3Calls),
      ]).then(([dynamodb, s3]) => ({ dynamodb, s3 }));
      this.endpoints.set(functionId, found);
    }
    return found;
  }

  /** Calls a policy did not allow. */
  denied(): RecordedCall[] {
    return this.calls.filter((c) => !c.allowed);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (s) =>
          new Promise<void>((ok) => {
            s.close(() => ok());
            s.closeAllConnections();
          }),
      ),
    );
  }

  private async proxy(
    functionId: string,
    target: string,
    describe: (req: IncomingMessage, body: Buffer) => AuthorizedCall[],
  ): Promise<string> {
    const to = new URL(target);
    const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const statements = this.statementsOf(functionId);
      for (const call of describe(req, body)) {
        this.calls.push({ ...call, functionId, allowed: isAllowed(statements, call) });
      }
      const forward = request(
        {
          host: to.hostname,
          port: to.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (upstream) => {
          res.writeHead(upstream.statusCode ?? 500, upstream.headers);
          upstream.pipe(res);
        },
      );
      forward.on("error", () => {
        res.writeHead(502);
        res.end();
      });
      forward.end(body);
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
    this.servers.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
}
