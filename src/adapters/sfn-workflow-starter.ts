import { type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import type { AutotuneInput, WorkflowStarter } from "../app/ports";

/** {@link WorkflowStarter} on AWS Step Functions: one execution per job, named by the job id. */
export class SfnWorkflowStarter implements WorkflowStarter {
  constructor(
    private readonly sfn: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(input: AutotuneInput): Promise<void> {
    await this.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: this.stateMachineArn,
        name: input.job_id,
        input: JSON.stringify(input),
      }),
    );
  }
}
