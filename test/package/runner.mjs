// A stand-in for the Lambda Node.js runtime, copied into each function's asset folder and run
// there under plain node: it loads the handler exactly as Lambda does (index.mjs, export
// `handler`), keeps it warm, and answers one invocation per line of stdin on file descriptor 3.
// It imports nothing but Node's own modules, so nothing resolves from outside the folder.
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { createInterface } from "node:readline";

const { FUNCTION_ID, TIMEOUT_SECONDS, MEMORY_MB } = process.env;
const results = createWriteStream(null, { fd: 3 });
const module = await import(new URL("./index.mjs", import.meta.url).href);

for await (const line of createInterface({ input: process.stdin })) {
  const { id, event } = JSON.parse(line);
  const deadline = Date.now() + Number(TIMEOUT_SECONDS) * 1000;
  const context = {
    awsRequestId: randomUUID(),
    functionName: FUNCTION_ID,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${FUNCTION_ID}`,
    memoryLimitInMB: MEMORY_MB,
    logGroupName: `/aws/lambda/${FUNCTION_ID}`,
    logStreamName: "package-test",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  try {
    const result = await module.handler(event, context);
    results.write(`${JSON.stringify({ id, ok: true, result: result ?? null })}\n`);
  } catch (err) {
    const error = { errorType: err?.name ?? "Error", errorMessage: String(err?.message ?? err) };
    results.write(`${JSON.stringify({ id, ok: false, error })}\n`);
  }
}
