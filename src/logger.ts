import { Logger } from "@aws-lambda-powertools/logger";

/** The service's structured logger (one JSON line per entry, as CloudWatch expects). */
export const logger = new Logger({ serviceName: "vectord" });
