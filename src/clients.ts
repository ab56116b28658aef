import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { NodeHttpHandler, type NodeHttpHandlerOptions } from "@smithy/node-http-handler";
import type { Settings } from "./settings";
import { tracer } from "./telemetry";

/**
 * Transient faults (throttling, 5xx, timeouts, dropped connections) are retried by the SDK's
 * standard strategy: exponential backoff with full jitter, up to 4 attempts. With the timeouts
 * below, a storage call gives up well inside API Gateway's 29-second budget, and the edge
 * answers 503.
 */
const STORAGE_RETRIES = { maxAttempts: 4 } as const;
/** A catalog call: connect within 1 s; no byte for 3 s is a timeout. */
const DYNAMODB_TIMEOUTS: NodeHttpHandlerOptions = { connectionTimeout: 1000, requestTimeout: 3000 };
/** An object call: connect within 2 s; no byte for 5 s is a timeout (large bodies stream). */
const S3_TIMEOUTS: NodeHttpHandlerOptions = { connectionTimeout: 2000, requestTimeout: 5000 };

/** The AWS SDK clients, configured for AWS or for the emulators. */
export interface Clients {
  /** S3: vectors, graphs, snapshots, journals. */
  readonly s3: S3Client;
  /** DynamoDB, low level. */
  readonly dynamodb: DynamoDBClient;
  /** DynamoDB, with plain JavaScript values. */
  readonly doc: DynamoDBDocumentClient;
  /** Step Functions: autotune and import workflows. */
  readonly sfn: SFNClient;
  /** Lambda: background tasks started asynchronously. */
  readonly lambda: LambdaClient;
}

/**
 * The AWS SDK clients (DynamoDB, S3, Step Functions, Lambda) one instance shares, built once from
 * `settings` (region, credentials, endpoints).
 */
export function createClients(settings: Settings): Clients {
  const common = {
    region: settings.region,
    ...(settings.credentials ? { credentials: settings.credentials } : {}),
  };
  // Resolve each command's middleware once per client, not on every call (a search's catalog
  // read is on the hot path). Nothing here adds middleware per command; the document client
  // refuses the option, so it wraps a client of its own.
  const cached = { ...common, cacheMiddleware: true };
  const handlerFor = (service: "s3" | "dynamodb", timeouts: NodeHttpHandlerOptions) => {
    const handler = new NodeHttpHandler(timeouts);
    return settings.wrapHandler ? settings.wrapHandler(service, handler) : handler;
  };
  const s3 = new S3Client({
    ...cached,
    ...STORAGE_RETRIES,
    requestHandler: handlerFor("s3", S3_TIMEOUTS),
    ...(settings.endpoints?.s3
      ? {
          endpoint: settings.endpoints.s3,
          // s3rver serves path-style URLs and does not speak the newer flexible checksums.
          forcePathStyle: true,
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
        }
      : {}),
  });
  const dynamoEndpoint = settings.endpoints?.dynamodb
    ? { endpoint: settings.endpoints.dynamodb }
    : {};
  const dynamoClient = (base: typeof common) =>
    new DynamoDBClient({
      ...base,
      ...dynamoEndpoint,
      ...STORAGE_RETRIES,
      requestHandler: handlerFor("dynamodb", DYNAMODB_TIMEOUTS),
    });
  const dynamodb = dynamoClient(cached);
  const docBase = dynamoClient(common);
  const doc = DynamoDBDocumentClient.from(docBase, {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sfn = new SFNClient({
    ...cached,
    ...(settings.endpoints?.sfn ? { endpoint: settings.endpoints.sfn } : {}),
  });
  const lambda = new LambdaClient({
    ...cached,
    ...(settings.endpoints?.lambda ? { endpoint: settings.endpoints.lambda } : {}),
  });
  // On Lambda, every AWS call is a subsegment of the invocation's trace (no-op elsewhere).
  for (const client of [s3, dynamodb, docBase, sfn, lambda]) tracer.captureAWSv3Client(client);
  return { s3, dynamodb, doc, sfn, lambda };
}
