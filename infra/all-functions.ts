import { AUTOTUNE_TASKS, SCHEDULE } from "./autotune-workflow";
import { BACKGROUND_TASKS } from "./background-tasks";
import type { FunctionSpec } from "./function-spec";
import { DEFAULT_ROUTE, ROUTES } from "./routes";

/**
 * Every function the stack deploys: the routes, `$default`, the autotune tasks, the schedule and
 * the background tasks.
 */
export const ALL_FUNCTIONS: readonly FunctionSpec[] = [
  ...ROUTES,
  DEFAULT_ROUTE,
  ...(Object.values(AUTOTUNE_TASKS) as FunctionSpec[]),
  SCHEDULE.function,
  ...(Object.values(BACKGROUND_TASKS) as FunctionSpec[]),
];
