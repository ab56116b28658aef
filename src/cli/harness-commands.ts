import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import type { components } from "../client/api-types";
import type { Api } from "./api";
import { type Context, integer } from "./args";
import { CliError, EXIT, pretty, table } from "./output";
import { type RunAnswer, settledRun, waitOption, waitParams } from "./task-run";

type EvalRow = components["schemas"]["Harness"];

/**
 * The harness a request that started the harness task came to: its answer when the run ended
 * within the request, else the run polled until it ends (202).
 */
async function harnessOf(api: Api, answered: RunAnswer): Promise<unknown> {
  const path = { index: String(answered.index_name), run_id: String(answered.run_id) };
  const run = await settledRun("harness", answered, () =>
    api.call<RunAnswer>(
      api.client.GET("/vectors/hnsw/harness-runs/{index}/{run_id}", { params: { path } }),
    ),
  );
  // A run that ended within the request answered with its harness, which has no status.
  return run.status === "SUCCEEDED" ? { ...(run.result as object), run_id: path.run_id } : run;
}

/** `harness list`, `autogen`, `create`, `refresh`, `show`, `delete`. */
export function harnessCommands(program: Command, ctx: Context): void {
  const harness = program.command("harness").description("queries with exact ground truth");
  harness
    .command("autogen <name>")
    .description("pick queries from the index")
    .requiredOption("--index <name>", "the index")
    .option(
      "--count <n>",
      "queries (default: one per 10 vectors, 10 to 100)",
      integer("--count", 1),
    )
    .option("-k, --k <k>", "neighbors per query", integer("--k", 1))
    .option("--seed <n>", "which queries", integer("--seed"))
    .addOption(waitOption())
    .action(
      async (
        name: string,
        o: { index: string; count?: number; k?: number; seed?: number; waitSeconds?: number },
      ) => {
        const { api, out } = ctx();
        const body = { index_name: o.index, count: o.count, k: o.k, seed: o.seed };
        const answered = await api.call<RunAnswer>(
          api.client.POST("/vectors/hnsw/evals/{name}/autogen", {
            params: { path: { name }, ...waitParams(o) },
            body,
          }),
        );
        out.result(await harnessOf(api, answered), pretty);
      },
    );
  harness
    .command("create <name>")
    .description(
      'from a JSONL file of {"id"?, "vector", "neighbors"?} (neighbors: given ground truth)',
    )
    .requiredOption("--index <name>", "the index")
    .requiredOption("--file <path>", "the queries")
    .option("-k, --k <k>", "neighbors per query", integer("--k", 1), 10)
    .addOption(waitOption())
    .action(
      async (name: string, o: { index: string; file: string; k: number; waitSeconds?: number }) => {
        const { api, out } = ctx();
        const text = await readFile(o.file, "utf8");
        const queries = text
          .split("\n")
          .filter((line) => line.trim())
          .map((line, row) => {
            try {
              return JSON.parse(line);
            } catch {
              throw new CliError(`${o.file}: row ${row}: not JSON`, EXIT.refused);
            }
          });
        const answered = await api.call<RunAnswer>(
          api.client.POST("/vectors/hnsw/evals/{name}", {
            params: { path: { name }, ...waitParams(o) },
            body: { index_name: o.index, k: o.k, queries },
          }),
        );
        out.result(await harnessOf(api, answered), pretty);
      },
    );
  harness
    .command("refresh <name>")
    .description("recompute the ground truth for the index's current data")
    .addOption(waitOption())
    .action(async (name: string, o: { waitSeconds?: number }) => {
      const { api, out } = ctx();
      const answered = await api.call<RunAnswer>(
        api.client.POST("/vectors/hnsw/evals/{name}/refresh", {
          params: { path: { name }, ...waitParams(o) },
        }),
      );
      out.result(await harnessOf(api, answered), pretty);
    });
  harness
    .command("show <name>")
    .description("one harness")
    .action(async (name: string) => {
      const { api, out } = ctx();
      out.result(
        await api.call(
          api.client.GET("/vectors/hnsw/evals/{name}", { params: { path: { name } } }),
        ),
        pretty,
      );
    });
  harness
    .command("list")
    .description("harnesses in name order, with their index, k, queries and staleness")
    .option("--index <name>", "only this index's harnesses")
    .action(async (o: { index?: string }) => {
      const { api, out } = ctx();
      const harnesses: EvalRow[] = [];
      const pages = api.pages<{ harnesses: EvalRow[]; next_token?: string }>((next_token) => {
        const query = { limit: 100, index_name: o.index, next_token };
        return api.client.GET("/vectors/hnsw/evals", { params: { query } });
      });
      for await (const page of pages) harnesses.push(...page.harnesses);
      out.result(harnesses, () =>
        table(
          ["NAME", "INDEX", "SOURCE", "QUERIES", "K", "DATA_VERSION", "STALE"],
          harnesses.map((h) => [
            h.name,
            h.index_name,
            h.source,
            h.queries,
            h.k,
            h.data_version,
            h.stale ? "yes" : "no",
          ]),
        ),
      );
    });
  harness
    .command("delete <name>")
    .description("delete a harness (its trials stay; refused while a policy tunes on it)")
    .action(async (name: string) => {
      const { api, out } = ctx();
      await api.call(
        api.client.DELETE("/vectors/hnsw/evals/{name}", { params: { path: { name } } }),
      );
      out.result({ deleted: name }, () => `deleted the harness "${name}"`);
    });
}
