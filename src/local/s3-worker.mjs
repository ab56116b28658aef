// s3rver on a worker thread of the local stack: its MD5 hashing and file I/O run beside the
// handlers instead of between them. Started by ./emulators.ts; stops on the "stop" message.
import { parentPort, workerData } from "node:worker_threads";
import S3rver from "s3rver";

const s3 = new S3rver({
  address: workerData.address,
  port: workerData.port,
  directory: workerData.directory,
  silent: true,
});
const address = await s3.run();
parentPort.postMessage({ port: address.port });
parentPort.on("message", (message) => {
  if (message !== "stop") return;
  s3.httpServer.closeAllConnections();
  s3.httpServer.close(() => parentPort.postMessage("stopped"));
});
