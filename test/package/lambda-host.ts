import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const RUNNER = fileURLToPath(new URL("./runner.mjs", import.meta.url));

/** One function as the synthesized stack deploys it. */
export interface DeployedFunction {
  readonly id: string;
  /** The asset folder CDK bundled (handler `index.handler`). */
  readonly assetDir: string;
  readonly environment: Record<string, string>;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
}

/** What an invocation returned, or the error Lambda would report. */
export type Invocation =
  | { readonly ok: true; readonly result: any }
  | { readonly ok: false; readonly error: { errorType: string; errorMessage: string } };

interface Container {
  readonly child: ChildProcess;
  readonly dir: string;
  readonly pending: Map<number, (outcome: Invocation) => void>;
  output: string;
}

/**
 * Runs functions the way Lambda would, from their asset folders alone: each function's folder is
 * copied to a new empty temporary folder (nothing above it has node_modules) and started under
 * plain `node` with the runner beside it, once, then kept warm for later invocations.
 */
export class LambdaHost {
  private readonly containers = new Map<string, Container>();
  private readonly starting = new Map<string, Promise<Container>>();
  private nextId = 1;

  constructor(
    private readonly functions: ReadonlyMap<string, DeployedFunction>,
    /** Environment every function gets on top of its own (emulator endpoints, region). */
    private readonly extraEnvironment: (functionId: string) => Promise<Record<string, string>>,
  ) {}

  /** Where a function runs from (its copied asset folder), once started. */
  folderOf(functionId: string): string | undefined {
    return this.containers.get(functionId)?.dir;
  }

  /** Everything the function printed so far (its logs). */
  logsOf(functionId: string): string {
    return this.containers.get(functionId)?.output ?? "";
  }

  async invoke(functionId: string, event: unknown): Promise<Invocation> {
    const container = await this.container(functionId);
    const id = this.nextId++;
    return new Promise<Invocation>((resolve) => {
      container.pending.set(id, resolve);
      container.child.stdin?.write(`${JSON.stringify({ id, event })}\n`);
    });
  }

  /** Invokes and returns the result, or throws with the function's logs on an error. */
  async call(functionId: string, event: unknown): Promise<any> {
    const outcome = await this.invoke(functionId, event);
    if (!outcome.ok) {
      throw new Error(
        `${functionId} failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}\n${this.logsOf(functionId).slice(-4000)}`,
      );
    }
    return outcome.result;
  }

  async stop(): Promise<void> {
    await Promise.all(
      [...this.containers.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.child.exitCode !== null) return resolve();
            c.child.once("exit", () => resolve());
            c.child.kill("SIGTERM");
          }),
      ),
    );
    // Each container's copied folder, its /tmp included, goes with it.
    for (const c of this.containers.values()) rmSync(c.dir, { recursive: true, force: true });
  }

  /**
   * The function's one container, started on first use: concurrent first invocations (a Map
   * state's parallel tasks) share it instead of each starting one.
   */
  private container(functionId: string): Promise<Container> {
    let started = this.starting.get(functionId);
    if (!started) {
      started = this.start(functionId);
      this.starting.set(functionId, started);
    }
    return started;
  }

  private async start(functionId: string): Promise<Container> {
    const fn = this.functions.get(functionId);
    if (!fn) throw new Error(`no deployed function ${functionId}`);
    const dir = mkdtempSync(join(tmpdir(), `vectord-lambda-${functionId}-`));
    cpSync(fn.assetDir, dir, { recursive: true });
    cpSync(RUNNER, join(dir, "runner.mjs"));
    // Its own /tmp, as each Lambda instance has (graph files, staged downloads).
    const scratch = join(dir, "tmp");
    mkdirSync(scratch);
    const child = spawn(process.execPath, ["runner.mjs"], {
      cwd: dir,
      // Only what Lambda would set: no NODE_PATH, no inherited NODE_OPTIONS from the test.
      env: {
        PATH: process.env.PATH ?? "",
        HOME: dir,
        TMPDIR: scratch,
        LANG: "C.UTF-8",
        TZ: "UTC",
        AWS_REGION: "us-east-1",
        AWS_LAMBDA_FUNCTION_NAME: functionId,
        FUNCTION_ID: functionId,
        TIMEOUT_SECONDS: String(fn.timeoutSeconds),
        MEMORY_MB: String(fn.memoryMb),
        // Lambda names the function's memory: the caches' and the held graphs' budgets follow it.
        AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
        ...fn.environment,
        ...(await this.extraEnvironment(functionId)),
      },
      stdio: ["pipe", "pipe", "pipe", "pipe"],
    });
    const container: Container = { child, dir, pending: new Map(), output: "" };
    child.stdout?.on("data", (chunk) => {
      container.output += String(chunk);
    });
    child.stderr?.on("data", (chunk) => {
      container.output += String(chunk);
    });
    const results = child.stdio[3] as NodeJS.ReadableStream;
    createInterface({ input: results }).on("line", (line) => {
      const { id, ...outcome } = JSON.parse(line) as { id: number } & Invocation;
      container.pending.get(id)?.(outcome as Invocation);
      container.pending.delete(id);
    });
    child.once("exit", (code) => {
      for (const resolve of container.pending.values()) {
        resolve({
          ok: false,
          error: {
            errorType: "Runtime.ExitError",
            errorMessage: `exited with ${code}: ${container.output.slice(-4000)}`,
          },
        });
      }
      container.pending.clear();
    });
    this.containers.set(functionId, container);
    return container;
  }
}
