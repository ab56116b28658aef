import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/output";
import { cliAt, stdoutJson as json, vectord } from "../support/cli";
import { useLocalStack } from "../support/stacks";
import { randomRows } from "../support/vectors";

// The `vectord` bin against the local stack, each command in its own process: help, usage
// errors, indexes and vectors, and an unreachable service. Imports and tuning: ./cli.e2e.test.ts.

const env = useLocalStack();
const api = env.api;
const dir = mkdtempSync(join(tmpdir(), "vectord-cli-basics-"));
const cli = cliAt(() => env.stack.url, join(dir, "cache"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("vectord CLI, basics", () => {
  it("answers --help, and a usage error exits 2", async () => {
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/import \[options\] <file>/);
    expect((await cli(["import"])).code).toBe(EXIT.usage);
    expect((await cli(["indexes", "create", "x", "--dimension", "zero"])).code).toBe(EXIT.usage);
  });

  it("creates, lists and deletes indexes and vectors; a refusal exits 3 with the service's message", async () => {
    expect((await cli(["indexes", "create", "cli-a", "--dimension", "8"])).code).toBe(0);
    const listed = await cli(["--json", "indexes", "list"]);
    expect(json(listed).indexes.map((i: { name: string }) => i.name)).toContain("cli-a");
    const clash = await cli(["indexes", "create", "cli-a", "--dimension", "9"]);
    expect(clash.code).toBe(EXIT.refused);
    expect(clash.stderr).toMatch(/409 .*dimension/);
    await api.post("/vectors/indexes/cli-a/vectors", {
      vectors: ["a", "b", "c"].map((id, i) => ({ id, values: randomRows(3, 8, 4)[i] })),
    });
    const got = await cli(["--json", "get", "cli-a", "c", "never", "a"]);
    expect(got.code, got.stderr).toBe(0);
    const answer = json(got) as {
      vectors: { id: string; values: number[] }[];
      not_found: string[];
    };
    expect(answer.vectors.map((v) => v.id)).toEqual(["c", "a"]);
    // Float32 values, printed as the shortest decimals that read back as the same floats.
    expect(answer.vectors[0]?.values.map(Math.fround)).toEqual(
      randomRows(3, 8, 4)[2]?.map(Math.fround),
    );
    expect(answer.not_found).toEqual(["never"]);
    // Every id, one a line (text) or as one document (--json).
    const ids = await cli(["ids", "cli-a"]);
    expect(ids.code, ids.stderr).toBe(0);
    expect(ids.stdout.trim().split("\n").sort()).toEqual(["a", "b", "c"]);
    expect(json(await cli(["--json", "ids", "cli-a"])).ids.sort()).toEqual(["a", "b", "c"]);
    const removed = await cli(["--json", "delete", "cli-a", "a", "b", "never", "a"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(json(removed)).toMatchObject({ deleted: 2, count: 1 });
    expect((await cli(["indexes", "delete", "cli-a"])).code).toBe(0);
    const gone = await cli(["--json", "indexes", "show", "cli-a"]);
    expect(gone.code).toBe(EXIT.refused);
    expect(JSON.parse(gone.stderr).error.code).toBe("index_not_found");
  });

  it("exits 4 when the service cannot be reached", async () => {
    const run = await vectord(["--endpoint", "http://127.0.0.1:1", "indexes", "list"]);
    expect(run.code).toBe(EXIT.unavailable);
    expect(run.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:1/);
  });
});
