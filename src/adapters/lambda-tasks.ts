import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { BackgroundTasks } from "../app/ports";

/**
 * {@link BackgroundTasks} on AWS Lambda: each task is an asynchronous invocation (`Event`) of
 * its own function, which Lambda queues and retries; the caller does not wait for it.
 */
export class LambdaBackgroundTasks implements BackgroundTasks {
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functions: { readonly compact: string },
  ) {}

  async compact(indexName: string): Promise<void> {
    await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.functions.compact,
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify({ index_name: indexName })),
      }),
    );
  }
}
