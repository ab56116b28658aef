import "../../src/local/promise-with-resolvers";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StateMachine } from "aws-local-stepfunctions";
import {
  AUTOTUNE_TASKS,
  type AutotuneTaskState,
  substitutedDefinition,
} from "../../infra/autotune-workflow";
import type { LambdaHost } from "./lambda-host";

/**
 * A Step Functions endpoint for the package test: StartExecution (AWS JSON 1.0, as the SDK sends
 * it) runs the deployed definition with aws-local-stepfunctions, each Task state invoking the
 * bundled task function through the {@link LambdaHost}, with Lambda's error shape on failure.
 */
export async function startSfnEndpoint(host: LambdaHost) {
  const executions = new Map<string, Promise<unknown>>();
  const definition = substitutedDefinition(
    (state) => `arn:aws:lambda:us-east-1:000000000000:function:${AUTOTUNE_TASKS[state].id}`,
  );
  const handlers = Object.fromEntries(
    (Object.keys(AUTOTUNE_TASKS) as AutotuneTaskState[]).map((state) => [
      state,
      async (input: unknown) => {
        const outcome = await host.invoke(AUTOTUNE_TASKS[state].id, input);
        if (outcome.ok) return outcome.result;
        const error = new Error(JSON.stringify(outcome.error));
        error.name = outcome.error.errorType;
        throw error;
      },
    ]),
  );
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers["x-amz-target"] ?? "");
    if (target !== "AWSStepFunctions.StartExecution") {
      res.writeHead(400, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify({ __type: "UnknownOperationException", message: target }));
      return;
    }
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
      name: string;
      input: string;
    };
    const machine = new StateMachine(definition as never);
    const execution = machine.run(JSON.parse(body.input) as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      noThrowOnAbort: true,
    });
    executions.set(
      body.name,
      execution.result.catch((err: unknown) => err),
    );
    res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
    res.end(
      JSON.stringify({
        executionArn: `arn:aws:states:us-east-1:000000000000:execution:vectord:${body.name}`,
        startDate: Date.now() / 1000,
      }),
    );
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", () => ok()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    /** Executions started so far, by name (the job id), settling with their outcome. */
    executions,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}
