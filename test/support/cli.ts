import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { REPO_ROOT } from "../../src/local/repo-root";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the `vectord` bin (bin/vectord.mjs, as `npx vectord` does) in a child process. With
 * `until`, kills it with SIGKILL once stderr matches (a failpoint it reached).
 */
export function vectord(
  args: readonly string[],
  options: { env?: Record<string, string>; until?: RegExp } = {},
): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve(REPO_ROOT, "bin/vectord.mjs"), ...args], {
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (options.until?.test(stderr)) child.kill("SIGKILL");
    });
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/**
 * The `vectord` bin pointed at `endpoint`, with its cache in `cacheDir`. With `until`, the run
 * stops (SIGKILL) once the import failpoint after the fourth applied batch is reached.
 */
export function cliAt(endpoint: () => string, cacheDir: string) {
  return (args: readonly string[], until?: RegExp) =>
    vectord(["--endpoint", endpoint(), ...args], {
      env: {
        VECTORD_CACHE_DIR: cacheDir,
        ...(until && { VECTORD_FAILPOINTS: "cli.import.batch-applied@4" }),
      },
      ...(until && { until }),
    });
}

/** A run's standard output as JSON (`--json`). */
export const stdoutJson = (run: CliRun): any => JSON.parse(run.stdout);
