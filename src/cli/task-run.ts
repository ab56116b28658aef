import { Option } from "commander";
import { integer } from "./args";
import { CliError, EXIT } from "./output";

/** `--wait-seconds`, of every command whose request starts a task (activate, trial, harness). */
export function waitOption(): Option {
  return new Option(
    "--wait-seconds <s>",
    "how long the request waits before the CLI polls instead (0-25; the service's default 20)",
  ).argParser(integer("--wait-seconds", 0));
}

/** The `wait_seconds` query of such a request, when `--wait-seconds` was given. */
export function waitParams(o: { readonly waitSeconds?: number }) {
  return o.waitSeconds !== undefined ? { query: { wait_seconds: o.waitSeconds } } : {};
}

/** A run of a task as the API answers a request that started one (200/201, or 202 RUNNING). */
export interface RunAnswer {
  /** `RUNNING`, `SUCCEEDED` or `FAILED`. */
  readonly status?: string;
  /** What it made, once SUCCEEDED. */
  readonly result?: unknown;
  /** Why it failed, once FAILED. */
  readonly error?: { readonly kind: string; readonly code: string; readonly message: string };
  /** The run's other fields, as the API answered them. */
  readonly [field: string]: unknown;
}

/** How often a run still RUNNING is polled. */
const POLL_MS = 1000;

/**
 * What a request that starts a task (an activation, a trial) came to: its answer when the run
 * ended within the request, else `poll` once a second until the run has ended. A FAILED run
 * becomes a {@link CliError}: refused for a typed error, unavailable for anything else.
 * Returns the answer of a run that ended within the request, or the SUCCEEDED run.
 */
export async function settledRun(
  noun: string,
  answered: RunAnswer,
  poll: () => Promise<RunAnswer>,
): Promise<RunAnswer> {
  let run = answered;
  while (run.status === "RUNNING") {
    await new Promise((r) => setTimeout(r, POLL_MS));
    run = await poll();
  }
  if (run.status === "FAILED" && run.error) {
    const { kind, code, message } = run.error;
    const exit = kind === "Error" ? EXIT.unavailable : EXIT.refused;
    throw new CliError(`${noun} failed: ${code}: ${message}`, exit, code);
  }
  return run;
}
