import type { ImportInput } from "../src/domain/import-job";
import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/** Import workflow task Finish (and Failed): record how the job ended. */
export const handler = taskHandler(
  "ImportFinish",
  (input: ImportInput & { error?: { Error?: string; Cause?: string } }) =>
    services.importTasks.finish(input),
);
