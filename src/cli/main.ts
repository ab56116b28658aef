import { Command, CommanderError } from "commander";
import { LOCAL_ENDPOINT } from "../client/client";
import { Api } from "./api";
import { integer } from "./args";
import { startDashboardProxy } from "./dashboard-proxy";
import { dataCommands } from "./data-commands";
import { harnessCommands } from "./harness-commands";
import { CliError, consoleOutput, EXIT } from "./output";
import { tuningCommands } from "./tuning-commands";
import { vectorCommands } from "./vector-commands";

/**
 * `vectord`: the command-line tool. Every command calls the API through the typed client; against
 * a deployed endpoint its requests are signed with SigV4 from the default AWS credential chain.
 * Exit codes: see {@link EXIT}.
 */
export function program(): Command {
  const program = new Command("vectord")
    .description("vector indexes whose HNSW parameters tune themselves")
    .option("--endpoint <url>", "the API", process.env.VECTORD_ENDPOINT ?? LOCAL_ENDPOINT)
    .option(
      "--region <region>",
      "sign for this region (default: from the endpoint, else AWS_REGION)",
    )
    .option("--json", "machine-readable output on stdout", false)
    .showHelpAfterError()
    .exitOverride();
  const ctx = () => {
    const o = program.opts<{ endpoint: string; region?: string; json: boolean }>();
    return {
      api: new Api({
        endpoint: o.endpoint.replace(/\/+$/, ""),
        ...(o.region && { region: o.region }),
      }),
      out: consoleOutput(o.json),
    };
  };
  dataCommands(program, ctx);
  vectorCommands(program, ctx);
  harnessCommands(program, ctx);
  tuningCommands(program, ctx);
  program
    .command("dashboard")
    .description(
      "serve the dashboard locally; its API calls go to --endpoint, signed with your AWS credentials",
    )
    .option("--port <port>", "local port", integer("--port"), 8080)
    .action(async (o: { port: number }) => {
      const { endpoint, region } = program.opts<{ endpoint: string; region?: string }>();
      const proxy = await startDashboardProxy({
        endpoint,
        port: o.port,
        ...(region && { region }),
      });
      process.stderr.write(`dashboard for ${endpoint} on ${proxy.url} (Ctrl-C to stop)\n`);
      await new Promise<never>(() => undefined);
    });
  for (const command of program.commands) {
    command.exitOverride();
    for (const sub of command.commands) sub.exitOverride();
  }
  return program;
}

/** Runs `argv`; the exit code. */
export async function run(argv: readonly string[]): Promise<number> {
  const cli = program();
  try {
    await cli.parseAsync(argv as string[]);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" ||
        err.code === "commander.version" ||
        err.exitCode === 0
        ? EXIT.ok
        : EXIT.usage;
    }
    const json = cli.opts<{ json?: boolean }>().json === true;
    if (err instanceof CliError) {
      report(json, err.message, err.code ?? "refused", err.exitCode);
      return err.exitCode;
    }
    report(json, (err as Error).stack ?? String(err), "unexpected", EXIT.unexpected);
    return EXIT.unexpected;
  }
}

function report(json: boolean, message: string, code: string, exitCode: number): void {
  process.stderr.write(
    json
      ? `${JSON.stringify({ error: { code, message, exit_code: exitCode } })}\n`
      : `vectord: ${message}\n`,
  );
}
