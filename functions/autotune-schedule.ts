import type { ScheduledEvent } from "aws-lambda";
import { logger } from "../src/logger";
import { services } from "../src/services";

/** EventBridge schedule (locally, a timer): start autotune for every index whose policy is due. */
export const handler = async (event: Partial<ScheduledEvent> = {}) => {
  const result = await services.autotune.runScheduled();
  logger.info("autotune schedule ran", { time: event.time ?? new Date().toISOString(), ...result });
  return result;
};
