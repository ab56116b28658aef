import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../src/local/repo-root";

// A process that reaches an armed failpoint must hold there until it is killed, even when
// nothing else is pending (the CLI between batches). A bare unsettled promise does not: Node
// exits on its own with code 13, and a crash test sees an exit instead of its SIGKILL.

const script = `
import { register } from "tsx/esm/api";
register();
const { failpoint } = await import(${JSON.stringify(resolve(REPO_ROOT, "src/failpoints.ts"))});
await failpoint("cli.import.batch-applied");
process.stdout.write("passed the failpoint\\n");
`;

function reach(): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
      cwd: REPO_ROOT,
      env: { ...process.env, VECTORD_FAILPOINTS: "cli.import.batch-applied" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      // The kill waits a little so that a process about to exit on its own gets to, and the
      // test sees it; a held process is there however long the wait.
      if (stderr.includes("FAILPOINT")) setTimeout(() => child.kill("SIGKILL"), 200);
    });
    child.on("error", fail);
    child.on("close", (code, signal) => done({ code, signal, stderr }));
  });
}

describe("failpoint", () => {
  it("holds a process with nothing else pending until it is killed", async () => {
    const run = await reach();
    expect(run.stderr).toContain("FAILPOINT cli.import.batch-applied");
    expect({ code: run.code, signal: run.signal }).toEqual({ code: null, signal: "SIGKILL" });
  });
});
