import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/**
 * Background task: fold the vectors written since an index's active graph into a copy of it
 * (or rebuild it past the deleted-label threshold), as a new generation. Started by writes once
 * pending vectors pass the index's threshold; one at a time per index.
 */
export const handler = taskHandler("CatchUpIndex", (event: { index_name: string }) =>
  services.maintenance.catchUp(event.index_name),
);
