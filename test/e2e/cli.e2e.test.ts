import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT } from "../../src/cli/output";
import { cliAt, stdoutJson as json } from "../support/cli";
import { useLocalStack } from "../support/stacks";
import { encodeNpy, encodeVecs, writeHdf5 } from "../support/vector-files";
import { randomRows } from "../support/vectors";

// The `vectord` bin against the local stack, each command in its own process: imports of every
// format, and search, tuning, promotion and activation. The basics: ./cli-basics.e2e.test.ts.

const env = useLocalStack();
const api = env.api;
const dir = mkdtempSync(join(tmpdir(), "vectord-cli-"));
const cache = join(dir, "cache");
const cli = cliAt(() => env.stack.url, cache);
const count = async (index: string) => (await api.get(`/vectors/indexes/${index}`)).body.count;

beforeAll(() => {
  writeFileSync(join(dir, "a.npy"), encodeNpy(randomRows(300, 8, 1)));
  writeFileSync(join(dir, "a.fvecs"), encodeVecs(randomRows(200, 8, 2), "fvecs"));
  writeFileSync(
    join(dir, "a.bvecs"),
    encodeVecs(
      Array.from({ length: 50 }, (_, r) => [r, 1, 2, 3, 4, 5, 6, 7]),
      "bvecs",
    ),
  );
  writeFileSync(
    join(dir, "a.ivecs"),
    encodeVecs(
      Array.from({ length: 40 }, (_, r) => [r, -r, 2, 3, 4, 5, 6, 7]),
      "ivecs",
    ),
  );
  const lines = randomRows(30, 8, 3).map((values, i) =>
    JSON.stringify({ id: `doc-${i}`, values, metadata: { i } }),
  );
  writeFileSync(join(dir, "a.jsonl"), `${lines.join("\n")}\n`);
  const bad = [...lines];
  bad[7] = JSON.stringify({ id: "doc-7", values: [1, 2, 3] });
  writeFileSync(join(dir, "bad.jsonl"), `${bad.join("\n")}\n`);
  // A row only the service can refuse: its norm would overflow a distance.
  const far = [...lines];
  far[12] = JSON.stringify({ id: "doc-12", values: Array(8).fill(1e19) });
  writeFileSync(join(dir, "far.jsonl"), `${far.join("\n")}\n`);
  writeFileSync(join(dir, "big.npy"), encodeNpy(randomRows(2000, 8, 4)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("vectord CLI", () => {
  it("imports every format: npy, fvecs, bvecs, ivecs, jsonl (with metadata), each row under its id", async () => {
    expect((await cli(["indexes", "create", "cli-f", "--dimension", "8"])).code).toBe(0);
    for (const [file, prefix] of [
      ["a.npy", "n"],
      ["a.fvecs", "f"],
      ["a.bvecs", "b"],
      ["a.ivecs", "i"],
      ["a.jsonl", ""],
    ]) {
      const run = await cli([
        "--json",
        "import",
        join(dir, file as string),
        "--index",
        "cli-f",
        "--id-prefix",
        prefix as string,
      ]);
      expect(run.code, run.stderr).toBe(0);
      expect(json(run)).toMatchObject({ index: "cli-f", path: "json" });
    }
    expect(await count("cli-f")).toBe(300 + 200 + 50 + 40 + 30);
    const npy = randomRows(300, 8, 1);
    const n17 = (await api.get("/vectors/indexes/cli-f/vectors/n17")).body;
    expect(Float32Array.from(n17.values)).toEqual(Float32Array.from(npy[17] as number[]));
    expect((await api.get("/vectors/indexes/cli-f/vectors/b9")).body.values).toEqual([
      9, 1, 2, 3, 4, 5, 6, 7,
    ]);
    expect((await api.get("/vectors/indexes/cli-f/vectors/i5")).body.values).toEqual([
      5, -5, 2, 3, 4, 5, 6, 7,
    ]);
    expect((await api.get("/vectors/indexes/cli-f/vectors/doc-4")).body.metadata).toEqual({ i: 4 });
    // Running an import again upserts the same ids.
    expect(
      (await cli(["import", join(dir, "a.npy"), "--index", "cli-f", "--id-prefix", "n"])).code,
    ).toBe(0);
    expect(await count("cli-f")).toBe(620);
  });

  it("takes large row files through the bucket and an import job (--bulk always)", async () => {
    const run = await cli([
      "--json",
      "import",
      join(dir, "big.npy"),
      "--index",
      "cli-bulk",
      "--metric",
      "l2",
      "--bulk",
      "always",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(json(run)).toMatchObject({ path: "bulk", rows: 2000 });
    expect(await count("cli-bulk")).toBe(2000);
  });

  it("imports an ann-benchmarks HDF5 file and makes a harness of its test set with its own neighbors", async () => {
    const train = randomRows(600, 8, 5);
    const test = randomRows(25, 8, 6);
    await writeHdf5(join(dir, "ann.hdf5"), train, test, 10);
    const run = await cli([
      "--json",
      "import",
      join(dir, "ann.hdf5"),
      "--index",
      "cli-h5",
      "--harness",
      "cli-h5-h",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(json(run)).toMatchObject({
      rows: 600,
      harness: { name: "cli-h5-h", queries: 25, k: 10 },
    });
    expect((await api.get("/vectors/indexes/cli-h5")).body.metric).toBe("l2");
    // The given ground truth is right: an exact trial of it recalls everything. Not waiting in
    // the request: the CLI polls the trial's run until it ends.
    const trial = await cli([
      "--json",
      "trial",
      "--wait-seconds",
      "0",
      "--index",
      "cli-h5",
      "--harness",
      "cli-h5-h",
      "--m",
      "16",
      "--ef-construction",
      "200",
      "--ef-search",
      "200",
    ]);
    expect(trial.code, trial.stderr).toBe(0);
    expect(json(trial).metrics.recall_at_k).toBeGreaterThanOrEqual(0.99);
    expect(json(trial).run_id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    const listed = await cli(["--json", "trials", "cli-h5"]);
    expect(json(listed).trials).toHaveLength(1);
    // As text: each trial with its harness and k, since recall only compares within them.
    const text = (await cli(["trials", "cli-h5"])).stdout.trim().split("\n");
    expect(text[0]?.split(/\s+/)).toEqual([
      "TRIAL",
      "HARNESS",
      "CONFIG",
      "RECALL@K",
      "STDERR",
      "P50_US",
      "BUILD_MS",
    ]);
    const k = json(trial).metrics.k;
    expect(text[1]).toMatch(
      new RegExp(
        `^${json(trial).trial_id}\\s+cli-h5-h\\s+m=16 efc=200 ef=200\\s+\\d\\.\\d{4}@${k}\\s+\\d\\.\\d{4}\\s`,
      ),
    );
  });

  it("stops at a bad record naming file and row; batches are whole: those before it applied, none after", async () => {
    /** A new 8-d index, and `file` imported into it in batches of 5, one at a time. */
    const importInto = async (index: string, file: string) => {
      expect((await cli(["indexes", "create", index, "--dimension", "8"])).code).toBe(0);
      const args = ["--index", index, "--batch-size", "5", "--concurrency", "1"];
      return cli(["import", join(dir, file), ...args]);
    };
    const run = await importInto("cli-bad", "bad.jsonl");
    expect(run.code).toBe(EXIT.refused);
    expect(run.stderr).toMatch(
      /bad\.jsonl: row 7: values: got 3 values; the file's first row has 8/,
    );
    expect(await count("cli-bad")).toBe(5);
    expect((await api.get("/vectors/indexes/cli-bad/vectors/doc-5")).status).toBe(404);
    // The service's refusal of a row is named as the file's row too, not as the batch's.
    const far = await importInto("cli-far", "far.jsonl");
    expect(far.code).toBe(EXIT.refused);
    expect(far.stderr).toMatch(
      /far\.jsonl: row 12: values: its norm 2\.8e19 is too large: distances would overflow/,
    );
    expect(await count("cli-far")).toBe(10);
  });

  it("resumes an interrupted import where it stopped", async () => {
    expect((await cli(["indexes", "create", "cli-resume", "--dimension", "8"])).code).toBe(0);
    const args = [
      "--json",
      "import",
      join(dir, "big.npy"),
      "--index",
      "cli-resume",
      "--bulk",
      "never",
      "--batch-size",
      "100",
      "--concurrency",
      "1",
    ];
    const checkpoints = () => readdirSync(join(cache, "imports")).length;
    const before = checkpoints(); // the bad-record import's, kept for a resume
    const killed = await cli(args, /FAILPOINT cli\.import\.batch-applied/);
    expect(killed.code).toBeNull(); // SIGKILL
    expect(await count("cli-resume")).toBe(400);
    expect(checkpoints()).toBe(before + 1);
    const resumed = await cli(args);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(json(resumed)).toMatchObject({ rows: 2000, resumed_batches: 4 });
    expect(await count("cli-resume")).toBe(2000);
    expect(checkpoints()).toBe(before);
  });

  it("searches, tunes with --watch, promotes, rolls back, activates and sets policies", async () => {
    const q = JSON.stringify(randomRows(300, 8, 1)[3]);
    const hit = await cli(["--json", "search", "cli-f", "--vector", q, "-k", "1"]);
    expect(json(hit).results[0]).toMatchObject({ id: "n3", distance: 0 });
    // Not waiting in the request: the CLI polls the harness's run until it ends.
    const made = await cli([
      "--json",
      "harness",
      "autogen",
      "cli-f-h",
      "--index",
      "cli-f",
      "--count",
      "20",
      "--wait-seconds",
      "0",
    ]);
    expect(made.code, made.stderr).toBe(0);
    expect(json(made)).toMatchObject({
      name: "cli-f-h",
      queries: 20,
      stale: false,
      run_id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
    });
    const listed = await cli(["harness", "list", "--index", "cli-f"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.split("\n")[0]).toMatch(
      /^NAME\s+INDEX\s+SOURCE\s+QUERIES\s+K\s+DATA_VERSION\s+STALE$/,
    );
    expect(listed.stdout.split("\n")[1]).toMatch(
      /^cli-f-h\s+cli-f\s+autogen\s+20\s+10\s+\d+\s+no$/,
    );
    const tuned = await cli([
      "--json",
      "autotune",
      "--index",
      "cli-f",
      "--harness",
      "cli-f-h",
      "--grid",
      '[{"m":8,"ef_construction":20,"ef_search":10},{"m":8,"ef_construction":40,"ef_search":20}]',
      "--min-recall",
      "0",
      "--watch",
    ]);
    expect(tuned.code, tuned.stderr).toBe(0);
    expect(tuned.stderr).toMatch(/job \w+: SUCCEEDED, round \d+, builds 2\/2/);
    const job = json(tuned);
    expect(job).toMatchObject({ status: "SUCCEEDED", promoted: true });
    const other = job.trials.find((t: { trial_id: string }) => t.trial_id !== job.winner.trial_id);
    expect((await cli(["promote", "cli-f", other.trial_id, "--note", "from the cli"])).code).toBe(
      0,
    );
    expect((await api.get("/vectors/hnsw/promoted/cli-f")).body.current.trial_id).toBe(
      other.trial_id,
    );
    expect((await cli(["rollback", "cli-f"])).code).toBe(0);
    expect((await api.get("/vectors/hnsw/promoted/cli-f")).body.current.trial_id).toBe(
      job.winner.trial_id,
    );
    // Not waiting in the request: the CLI polls the activation until it ends.
    const activated = await cli(["--json", "activate", "cli-f", "--wait-seconds", "0"]);
    expect(activated.code, activated.stderr).toBe(0);
    expect(json(activated)).toMatchObject({
      activation_id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      index_name: "cli-f",
      config_source: "promoted",
    });
    expect((await api.get("/vectors/indexes/cli-f")).body.active.config.ef_search).toBe(
      job.winner.config.ef_search,
    );
    const policy = JSON.stringify({ harness: "cli-f-h", every_minutes: 60 });
    expect((await cli(["policies", "set", "cli-f", "--policy", policy])).code).toBe(0);
    expect(json(await cli(["--json", "policies", "get", "cli-f"])).every_minutes).toBe(60);
    const inUse = await cli(["harness", "delete", "cli-f-h"]);
    expect(inUse.code).not.toBe(0);
    expect(inUse.stderr).toMatch(
      /409 harness_in_use: harness "cli-f-h" is the one the autotune policy/,
    );
    expect((await cli(["policies", "delete", "cli-f"])).code).toBe(0);
    const deleted = await cli(["harness", "delete", "cli-f-h"]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toBe('deleted the harness "cli-f-h"\n');
    expect((await api.get("/vectors/hnsw/evals/cli-f-h")).status).toBe(404);
  });
});
