import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { type Context, integer } from "./args";
import { CliError, EXIT, pretty } from "./output";

/** `harness autogen`, `harness create`, `harness refresh`, `harness show`. */
export function harnessCommands(program: Command, ctx: Context): void {
  const harness = program.command("harness").description("queries with exact ground truth");
  harness
    .command("autogen <name>")
    .description("pick queries from the index")
    .requiredOption("--index <name>", "the index")
    .option("--count <n>", "queries", integer("--count", 1))
    .option("-k, --k <k>", "neighbors per query", integer("--k", 1))
    .option("--seed <n>", "which queries", integer("--seed"))
    .action(
      async (name: string, o: { index: string; count?: number; k?: number; seed?: number }) => {
        const { api, out } = ctx();
        const body = { index_name: o.index, count: o.count, k: o.k, seed: o.seed };
        const got = await api.call(
          api.client.POST("/vectors/hnsw/evals/{name}/autogen", {
            params: { path: { name } },
            body,
          }),
        );
        out.result(got, pretty);
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
    .action(async (name: string, o: { index: string; file: string; k: number }) => {
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
      const got = await api.call(
        api.client.POST("/vectors/hnsw/evals/{name}", {
          params: { path: { name } },
          body: { index_name: o.index, k: o.k, queries },
        }),
      );
      out.result(got, pretty);
    });
  harness
    .command("refresh <name>")
    .description("recompute the ground truth for the index's current data")
    .action(async (name: string) => {
      const { api, out } = ctx();
      const path = { params: { path: { name } } };
      out.result(
        await api.call(api.client.POST("/vectors/hnsw/evals/{name}/refresh", path)),
        pretty,
      );
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
}
