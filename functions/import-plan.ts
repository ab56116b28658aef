import type { ImportInput } from "../src/domain/import-job";
import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/** Import workflow task Plan: read the file's header, check it, cut it into chunks of rows. */
export const handler = taskHandler("ImportPlan", (input: ImportInput) =>
  services.importTasks.plan(input),
);
