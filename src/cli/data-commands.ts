import { type Command, Option } from "commander";
import { METRICS, type Metric } from "../domain/metric";
import { type Context, integer, jsonArg } from "./args";
import { importFile } from "./import-command";
import { pretty, table } from "./output";
import { FILE_FORMATS, type FileFormat } from "./readers";

interface IndexView {
  name: string;
  dimension: number;
  metric: string;
  count: number;
  data_version: number;
  active?: {
    generation: number;
    config: { m: number; ef_construction: number; ef_search: number };
  } | null;
}

/** `indexes`, `import` and `search`. */
export function dataCommands(program: Command, ctx: Context): void {
  const indexes = program.command("indexes").description("list, show, create and delete indexes");
  indexes
    .command("list", { isDefault: true })
    .description("list the indexes (every page, by name)")
    .action(async () => {
      const { api, out } = ctx();
      const all: IndexView[] = [];
      const pages = api.pages<{ indexes: IndexView[]; next_token?: string }>((next_token) =>
        api.client.GET("/vectors/indexes", {
          params: { query: { limit: 1000, ...(next_token ? { next_token } : {}) } },
        }),
      );
      for await (const page of pages) all.push(...page.indexes);
      all.sort((a, b) => a.name.localeCompare(b.name));
      out.result({ indexes: all }, ({ indexes }) =>
        table(
          ["NAME", "DIM", "METRIC", "COUNT", "DATA_VERSION", "ACTIVE"],
          indexes.map((i) => [
            i.name,
            i.dimension,
            i.metric,
            i.count,
            i.data_version,
            activeText(i),
          ]),
        ),
      );
    });
  indexes
    .command("show <name>")
    .description("one index: count, data_version, active generation, maintenance")
    .action(async (name: string) => {
      const { api, out } = ctx();
      const got = await api.call<IndexView>(
        api.client.GET("/vectors/indexes/{index}", { params: { path: { index: name } } }),
      );
      out.result(got, pretty);
    });
  indexes
    .command("create <name>")
    .description("create an index")
    .requiredOption("--dimension <n>", "values per vector", integer("--dimension", 1))
    .addOption(new Option("--metric <metric>", "distance").choices(METRICS).default("l2"))
    .action(async (name: string, opts: { dimension: number; metric: Metric }) => {
      const { api, out } = ctx();
      const got = await api.call<IndexView>(
        api.client.PUT("/vectors/indexes/{index}", {
          params: { path: { index: name } },
          body: { dimension: opts.dimension, metric: opts.metric },
        }),
      );
      out.result(got, (i) => `index "${i.name}": ${i.dimension}-d ${i.metric}`);
    });
  indexes
    .command("delete <name>")
    .description("delete an index and everything it stored")
    .action(async (name: string) => {
      const { api, out } = ctx();
      await api.call(
        api.client.DELETE("/vectors/indexes/{index}", { params: { path: { index: name } } }),
      );
      out.result({ deleted: name }, () => `deleted index "${name}"`);
    });

  program
    .command("import <file>")
    .description(
      "import .npy, .fvecs, .bvecs, .ivecs, .jsonl or ann-benchmarks .hdf5 into an index (resumable)",
    )
    .requiredOption("--index <name>", "the index to write to")
    .addOption(
      new Option("--format <format>", "default: from the file's extension").choices(FILE_FORMATS),
    )
    .option("--id-prefix <prefix>", "row r gets id <prefix><r> (files without ids)", "")
    .addOption(
      new Option("--metric <metric>", "create the index with this metric if missing").choices(
        METRICS,
      ),
    )
    .addOption(
      new Option("--bulk <when>", "upload and run a bulk import job (.npy/.fvecs/.bvecs)")
        .choices(["auto", "always", "never"])
        .default("auto"),
    )
    .option(
      "--batch-size <n>",
      "rows per request (default: up to 1,000)",
      integer("--batch-size", 1),
    )
    .option("--concurrency <n>", "requests in flight", integer("--concurrency", 1), 4)
    .option("--restart", "ignore the checkpoint of an interrupted run", false)
    .option("--harness <name>", "HDF5: also create a harness from test, with the file's neighbors")
    .option("--harness-k <k>", "HDF5 harness: neighbors per query", integer("--harness-k", 1), 10)
    .option("--harness-queries <n>", "HDF5 harness: queries", integer("--harness-queries", 1), 500)
    .option("--no-progress", "no progress bar")
    .action(async (file: string, opts: ImportFlags) => {
      const { api, out } = ctx();
      const summary = await importFile(api, out, file, {
        index: opts.index,
        ...(opts.format && { format: opts.format }),
        idPrefix: opts.idPrefix,
        ...(opts.metric && { metric: opts.metric }),
        bulk: opts.bulk,
        ...(opts.batchSize && { batchSize: opts.batchSize }),
        concurrency: opts.concurrency,
        restart: opts.restart,
        ...(opts.harness && { harness: opts.harness }),
        harnessK: opts.harnessK,
        harnessQueries: opts.harnessQueries,
        progress: opts.progress && !out.json && process.stderr.isTTY === true,
      });
      out.result(summary, (s) =>
        [
          `imported ${s.rows} vectors from ${s.file} into "${s.index}" in ${s.seconds} s (${s.vectors_per_second}/s, ${s.path} path${s.resumed_batches ? `, resumed after ${s.resumed_batches} batches` : ""})`,
          ...(s.harness
            ? [
                `created harness "${s.harness.name}": ${s.harness.queries} queries, k=${s.harness.k}, ground truth from the file`,
              ]
            : []),
        ].join("\n"),
      );
    });

  program
    .command("search <index>")
    .description("the k nearest neighbors of a vector")
    .requiredOption("--vector <json>", "the query, a JSON array", jsonArg("--vector"))
    .option("-k, --k <k>", "neighbors", integer("--k", 1), 10)
    .option("--ef-search <n>", "override the active graph's ef_search", integer("--ef-search", 1))
    .option("--exact", "exact search even with an active graph")
    .option(
      "--filter <json>",
      'metadata filter, e.g. \'{"genre": {"$in": ["a"]}}\'',
      jsonArg("--filter"),
    )
    .addOption(new Option("--consistency <level>", "read level").choices(["strong", "eventual"]))
    .action(async (index: string, opts: SearchFlags) => {
      const { api, out } = ctx();
      const got = await api.call<{ mode: string; results: { id: string; distance: number }[] }>(
        api.client.POST("/vectors/indexes/{index}/search", {
          params: { path: { index } },
          body: {
            vector: opts.vector as number[],
            k: opts.k,
            ...(opts.efSearch && { ef_search: opts.efSearch }),
            ...(opts.exact && { exact: true }),
            ...(opts.filter !== undefined && { filter: opts.filter as never }),
            ...(opts.consistency && { consistency: opts.consistency }),
          },
        }),
      );
      out.result(got, (r) =>
        table(
          ["ID", "DISTANCE"],
          r.results.map((h) => [h.id, h.distance.toPrecision(6)]),
        ),
      );
    });
}

function activeText(i: IndexView): string {
  const a = i.active;
  return a
    ? `gen ${a.generation} (m=${a.config.m} efc=${a.config.ef_construction} ef=${a.config.ef_search})`
    : "-";
}

interface ImportFlags {
  index: string;
  format?: FileFormat;
  idPrefix: string;
  metric?: Metric;
  bulk: "auto" | "always" | "never";
  batchSize?: number;
  concurrency: number;
  restart: boolean;
  harness?: string;
  harnessK: number;
  harnessQueries: number;
  progress: boolean;
}

interface SearchFlags {
  vector: unknown;
  k: number;
  efSearch?: number;
  exact?: boolean;
  filter?: unknown;
  consistency?: "strong" | "eventual";
}
