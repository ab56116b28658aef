import type { ScheduledEvent } from "aws-lambda";
import { SCHEDULE } from "../infra/autotune-workflow";
import { logger } from "../src/logger";
import { services } from "../src/services";

/**
 * EventBridge schedule (locally, a timer): start autotune for every index whose policy is due,
 * and, once an hour, every index's compaction task (which sweeps orphaned objects), the purge
 * task of every index name with objects of a dead incarnation, and the sweep of harness objects
 * no description names.
 */
export const handler = async (event: Partial<ScheduledEvent> = {}) => {
  const time = event.time ?? new Date().toISOString();
  const result = await services.policies.runScheduled();
  const swept = await services.housekeeping.onSchedule(new Date(time), SCHEDULE.everyMinutes);
  logger.info("autotune schedule ran", { time, ...result, ...swept });
  return result;
};
