import "../../src/local/promise-with-resolvers";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StateMachine } from "aws-local-stepfunctions";
import { taskStates } from "../../infra/asl";
import { AUTOTUNE_TASKS, substitutedDefinition } from "../../infra/autotune-workflow";
import { IMPORT_TASKS, substitutedImportDefinition } from "../../infra/import-workflow";
import type { LambdaHost } from "./lambda-host";
import { LOCAL_IMPORT_STATE_MACHINE_ARN, LOCAL_STATE_MACHINE_ARN } from "./synthesized";

const functionArn = (id: string) => `arn:aws:lambda:us-east-1:000000000000:function:${id}`;

/**
 * A Step Functions endpoint for the package test: StartExecution (AWS JSON 1.0, as the SDK sends
 * it) runs the deployed definition of the state machine it names (autotune or import) with
 * aws-local-stepfunctions, each Task state invoking the bundled task function through the
 * {@link LambdaHost}, with Lambda's error shape on failure.
 */
export async function startSfnEndpoint(host: LambdaHost) {
  const executions = new Map<string, Promise<unknown>>();
  /** Each machine's definition, and its Task states' handlers by state name. */
  const machines = new Map([
    [
      LOCAL_STATE_MACHINE_ARN,
      machineOf(
        substitutedDefinition((state) => functionArn(AUTOTUNE_TASKS[state].id)),
        Object.values(AUTOTUNE_TASKS).map((t) => t.id),
        host,
      ),
    ],
    [
      LOCAL_IMPORT_STATE_MACHINE_ARN,
      machineOf(
        substitutedImportDefinition((state) => functionArn(IMPORT_TASKS[state].id)),
        Object.values(IMPORT_TASKS).map((t) => t.id),
        host,
      ),
    ],
  ]);
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers["x-amz-target"] ?? "");
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as {
      name: string;
      input: string;
      stateMachineArn: string;
    };
    const machine = machines.get(body.stateMachineArn);
    if (target !== "AWSStepFunctions.StartExecution" || !machine) {
      res.writeHead(400, { "content-type": "application/x-amz-json-1.0" });
      res.end(
        JSON.stringify({
          __type: "UnknownOperationException",
          message: `${target} ${body.stateMachineArn}`,
        }),
      );
      return;
    }
    const execution = new StateMachine(machine.definition as never).run(
      JSON.parse(body.input) as never,
      { overrides: { taskResourceLocalHandlers: machine.handlers as never }, noThrowOnAbort: true },
    );
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

/**
 * A definition and a handler for each of its Task states: the bundled function its Resource
 * names, invoked through the host.
 */
function machineOf(definition: unknown, functionIds: readonly string[], host: LambdaHost) {
  const arnOf = Object.fromEntries(functionIds.map((id) => [id, functionArn(id)]));
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, id] of taskStates(definition, arnOf)) {
    handlers[name] = async (input: unknown) => {
      const outcome = await host.invoke(id, input);
      if (outcome.ok) return outcome.result;
      const error = new Error(JSON.stringify(outcome.error));
      error.name = outcome.error.errorType;
      throw error;
    };
  }
  return { definition, handlers };
}
