import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/**
 * Background task: compact one index's segments (started by writes, one at a time per index).
 * A run that runs out of time leaves the rest to the compaction the next write starts.
 */
export const handler = taskHandler("CompactIndex", (event: { index_name: string }) =>
  services.compactor.run(event.index_name),
);
