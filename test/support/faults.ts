import { Readable } from "node:stream";
import { NodeHttpHandler } from "@smithy/node-http-handler";

/** A fault the injector answers instead of the emulator. */
export type Fault = "throttle" | "server_error" | "timeout" | "not_found";

/** Which requests a rule hits: the service, and a test on the operation (DynamoDB target or S3 method + key). */
export interface FaultRule {
  readonly service: "s3" | "dynamodb";
  readonly match: (operation: string) => boolean;
  readonly fault: Fault;
  /** How many matching requests fail (then the rule is spent); `Infinity` for a sustained fault. */
  times: number;
}

/**
 * Fault injection below the AWS SDK: the S3 and DynamoDB clients' HTTP handler answers matching
 * requests with throttling, a 500, a timeout or a missing object, so the SDK's own retries (with
 * backoff and jitter) and the service's handling run as they would against AWS. For tests only;
 * everything else goes to the emulators.
 */
export class FaultInjector {
  private readonly rules: FaultRule[] = [];
  /** Operations answered with a fault, in order (`dynamodb UpdateItem throttle`). */
  readonly injected: string[] = [];

  add(rule: FaultRule): void {
    this.rules.push(rule);
  }

  clear(): void {
    this.rules.length = 0;
  }

  /** The `wrapHandler` of {@link Settings}: wraps the real handler of each client. */
  readonly wrap = (service: "s3" | "dynamodb", real: NodeHttpHandler): NodeHttpHandler => {
    const injector = this;
    return new (class extends NodeHttpHandler {
      override async handle(
        request: Parameters<NodeHttpHandler["handle"]>[0],
        options?: Parameters<NodeHttpHandler["handle"]>[1],
      ) {
        const operation =
          service === "dynamodb"
            ? (String(request.headers["x-amz-target"] ?? "").split(".")[1] ?? "")
            : `${request.method} ${decodeURIComponent(request.path)}`;
        const rule = injector.rules.find(
          (r) => r.service === service && r.times > 0 && r.match(operation),
        );
        if (!rule) return real.handle(request, options);
        rule.times--;
        injector.injected.push(`${service} ${operation} ${rule.fault}`);
        return answer(service, rule.fault) as never;
      }
    })();
  };
}

function answer(service: "s3" | "dynamodb", fault: Fault) {
  if (fault === "timeout") {
    // What NodeHttpHandler throws when no byte arrives within requestTimeout.
    throw Object.assign(new Error("Connection timed out after 3000 ms"), { name: "TimeoutError" });
  }
  const [status, body, type] =
    service === "dynamodb"
      ? fault === "throttle"
        ? [
            400,
            '{"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"Rate of requests exceeds the allowed throughput."}',
            "application/x-amz-json-1.0",
          ]
        : [
            500,
            '{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}',
            "application/x-amz-json-1.0",
          ]
      : fault === "throttle"
        ? [
            503,
            "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
            "application/xml",
          ]
        : fault === "not_found"
          ? [
              404,
              "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>",
              "application/xml",
            ]
          : [
              500,
              "<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>",
              "application/xml",
            ];
  return {
    response: {
      statusCode: status,
      reason: "injected",
      headers: {
        "content-type": type,
        "x-amzn-requestid": "injected",
        "content-length": String(Buffer.byteLength(body)),
      },
      body: Readable.from([Buffer.from(body)]),
    },
  };
}
