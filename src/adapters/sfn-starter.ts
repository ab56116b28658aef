import { type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";

/**
 * Starts executions of one Step Functions state machine, each named by its job's id (an
 * execution name is unique per state machine, so a job never runs twice). Implements the
 * autotune `WorkflowStarter` and the bulk-import `ImportStarter`.
 */
export class SfnStarter<I extends object> {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
    private readonly nameOf: (input: I) => string,
  ) {}

  /** Starts an execution with `input`, named by its job's id. */
  async start(input: I): Promise<void> {
    await this.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.stateMachineArn,
        name: this.nameOf(input),
        input: JSON.stringify(input),
      }),
    );
  }
}
