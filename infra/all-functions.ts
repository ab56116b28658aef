import { AUTOTUNE_TASKS, SCHEDULE } from "./autotune-workflow";
import { backgroundFunctions } from "./background-tasks";
import type { FunctionSpec } from "./function-spec";
import { IMPORT_TASKS } from "./import-workflow";
import { DEFAULT_ROUTE, ROUTES } from "./routes";

/**
 * Every function the stack deploys: the routes, `$default`, the autotune and import tasks, the
 * schedule and the background tasks.
 */
export const ALL_FUNCTIONS: readonly FunctionSpec[] = [
  ...ROUTES,
  DEFAULT_ROUTE,
  ...(Object.values(AUTOTUNE_TASKS) as FunctionSpec[]),
  ...(Object.values(IMPORT_TASKS) as FunctionSpec[]),
  SCHEDULE.function,
  ...backgroundFunctions(),
];
