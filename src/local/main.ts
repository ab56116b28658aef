import { resolve } from "node:path";
import { DataDirInUseError } from "./emulators";
import { startLocalStack } from "./local-stack";

// The local stack: `npm start`. PORT (default 3000) and VECTORD_DATA_DIR (default ./.vectord).
const port = Number(process.env.PORT ?? 3000);
const dataDir = resolve(process.env.VECTORD_DATA_DIR ?? ".vectord");
const log = (line: string) => console.log(line);

if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer from 0 to 65535, got ${process.env.PORT}`);
  process.exit(2);
}

// The EventBridge rule runs every few minutes on AWS; locally the timer defaults to a minute.
const scheduleSeconds = Number(process.env.VECTORD_SCHEDULE_SECONDS ?? 60);
const stack = await startLocalStack({ port, dataDir, log, scheduleSeconds }).catch(
  (err: NodeJS.ErrnoException) => {
    if (err.code === "EADDRINUSE") {
      console.error(`port ${port} is in use; set PORT to a free port (0 picks one)`);
    } else if (err instanceof DataDirInUseError) {
      console.error(`${err.message}; stop it or set VECTORD_DATA_DIR`);
    } else {
      console.error(`could not start the local stack: ${err.message}`);
    }
    process.exit(1);
  },
);
log(
  `vectord local stack: PORT=${stack.port} VECTORD_DATA_DIR=${dataDir} VECTORD_SCHEDULE_SECONDS=${scheduleSeconds}`,
);
log(
  `emulators: S3 ${stack.settings.endpoints?.s3} (bucket ${stack.settings.bucket}), DynamoDB ${stack.settings.endpoints?.dynamodb}`,
);
log(`listening on ${stack.url}`);

let stopping = false;
const shutdown = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  log(`${signal}: shutting down`);
  await stack.stop();
  log("stopped");
  process.exit(0);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
