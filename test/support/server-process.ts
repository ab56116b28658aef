import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The local stack as `npm start` runs it, in a child process. */
export interface ServerProcess {
  readonly url: string;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, then wait for a clean exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: the process dies wherever it is, as in a crash. */
  kill(): Promise<void>;
  /** Waits until the output contains `text` (rejects after `timeoutMs`, showing the output). */
  waitFor(text: string, timeoutMs?: number): Promise<void>;
}

export async function startServerProcess(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  // A /tmp of its own, removed when it exits: a killed process leaves its graph files behind.
  const scratch = mkdtempSync(join(tmpdir(), "vectord-server-"));
  const child: ChildProcess = spawn(
    process.execPath,
    ["--openssl-legacy-provider", "--import", "tsx", "src/local/main.ts"],
    {
      cwd: ROOT,
      // INFO: tests read the server's log lines (npm test itself runs at WARN).
      env: {
        ...process.env,
        PORT: "0",
        VECTORD_DATA_DIR: dataDir,
        POWERTOOLS_LOG_LEVEL: "INFO",
        TMPDIR: scratch,
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout?.on("data", (chunk) => {
    out += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    out += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      rmSync(scratch, { recursive: true, force: true });
      resolve(code);
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`server did not start in 30 s:\n${out}`)),
      30_000,
    );
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    };
    child.stdout?.on("data", check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  return {
    url,
    output: () => out,
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
    waitFor(text, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          child.stdout?.off("data", check);
          child.stderr?.off("data", check);
          reject(new Error(`no "${text}" in ${timeoutMs} ms:\n${out.slice(-3000)}`));
        }, timeoutMs);
        function check() {
          if (!out.includes(text)) return;
          clearTimeout(timer);
          child.stdout?.off("data", check);
          child.stderr?.off("data", check);
          resolve();
        }
        child.stdout?.on("data", check);
        child.stderr?.on("data", check);
        check();
      });
    },
  };
}
