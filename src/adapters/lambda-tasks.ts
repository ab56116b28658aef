import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { type BackgroundTaskName, backgroundTaskEvent } from "../../infra/background-tasks";
import type { BackgroundTasks } from "../app/work-ports";

/**
 * {@link BackgroundTasks} on AWS Lambda: each task is an asynchronous invocation (`Event`) of
 * its own function, which Lambda queues and retries; the caller does not wait for it.
 */
export class LambdaBackgroundTasks implements BackgroundTasks {
  constructor(
    private readonly lambda: LambdaClient,
    /** The function of each task this function may start (from its environment). */
    private readonly functions: Partial<Record<BackgroundTaskName, string>>,
  ) {}

  async start(task: BackgroundTaskName, indexName: string, runId?: string): Promise<void> {
    const functionName = this.functions[task];
    if (!functionName) {
      throw new Error(
        `this function may not start the ${task} task: its environment names no ${task} function`,
      );
    }
    await this.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify(backgroundTaskEvent(task, indexName, runId))),
      }),
    );
  }
}
