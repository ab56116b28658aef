import type { ChunkInput } from "../src/app/import-tasks";
import { taskHandler } from "../src/http/task-handler";
import { services } from "../src/services";

/** Import workflow task Chunk: read one chunk's rows and commit them as one segment. */
export const handler = taskHandler("ImportChunk", (input: ChunkInput) =>
  services.importTasks.chunk(input),
);
