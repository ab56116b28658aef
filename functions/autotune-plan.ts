import type { AutotuneInput } from "../src/app/work-ports";
import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/** Step Functions task Plan: confirm the lease, refresh the harness if asked, plan round 1. */
export const handler = taskHandler("Plan", (input: AutotuneInput) =>
  services.autotuneTasks.plan(input),
);
