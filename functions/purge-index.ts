import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/**
 * Background task: remove the objects of index `index_name`'s dead incarnations (started by
 * DELETE /vectors/indexes/{index}, and by the hourly housekeeping for any left behind).
 */
export const handler = taskHandler("PurgeIndex", (event: { index_name: string }) =>
  services.purger.purge(event.index_name),
);
