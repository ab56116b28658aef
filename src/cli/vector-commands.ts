import type { Command } from "commander";
import type { Context } from "./args";
import { pretty } from "./output";

/** `ids`, `get` and `delete`: an index's vectors by id. */
export function vectorCommands(program: Command, ctx: Context): void {
  program
    .command("ids <index>")
    .description("every live vector id of the index, one a line (in a stable order, not sorted)")
    .action(async (index: string) => {
      const { api, out } = ctx();
      const all: string[] = [];
      const pages = api.pages<{ ids: string[]; next_token?: string }>((next_token) =>
        api.client.GET("/vectors/indexes/{index}/vectors", {
          params: {
            path: { index },
            query: { limit: 1000, ...(next_token ? { next_token } : {}) },
          },
        }),
      );
      for await (const page of pages) {
        // Text streams page by page (an index may hold millions); JSON is one document.
        if (out.json) all.push(...page.ids);
        else if (page.ids.length > 0) out.result(page.ids, (ids) => ids.join("\n"));
      }
      if (out.json) out.result({ ids: all }, pretty);
    });

  program
    .command("get <index> <ids...>")
    .description("vectors by id, with their values and metadata (batches of 100)")
    .action(async (index: string, ids: string[]) => {
      const { api, out } = ctx();
      const vectors: StoredView[] = [];
      const notFound: string[] = [];
      for (const part of batchesOf(ids, GET_BATCH)) {
        const page = await api.call<{ vectors: StoredView[]; not_found: string[] }>(
          api.client.POST("/vectors/indexes/{index}/vectors/get", {
            params: { path: { index } },
            body: { ids: part },
          }),
        );
        vectors.push(...page.vectors);
        notFound.push(...page.not_found);
      }
      out.result({ vectors, not_found: notFound }, (r) =>
        [
          ...r.vectors.map(
            (v) => `${v.id}\t${JSON.stringify(v.values)}\t${JSON.stringify(v.metadata)}`,
          ),
          ...r.not_found.map((id) => `${id}\tnot found`),
        ].join("\n"),
      );
    });

  program
    .command("delete <index> <ids...>")
    .description("delete vectors by id (in batches of 1,000; ids not in the index are ignored)")
    .action(async (index: string, ids: string[]) => {
      const { api, out } = ctx();
      let last = { deleted: 0, count: 0, data_version: 0 };
      let deleted = 0;
      for (const part of batchesOf(ids, DELETE_BATCH)) {
        last = await api.call<typeof last>(
          api.client.POST("/vectors/indexes/{index}/vectors/delete", {
            params: { path: { index } },
            body: { ids: part },
          }),
        );
        deleted += last.deleted;
      }
      out.result(
        { deleted, count: last.count, data_version: last.data_version },
        (r) => `deleted ${r.deleted} of ${new Set(ids).size}; ${r.count} vectors left`,
      );
    });
}

/** Vectors a `delete` request takes at most (the API's batch limit). */
const DELETE_BATCH = 1000;
/** Vectors a `get` request takes at most (the API's batch limit). */
const GET_BATCH = 100;

/** `ids` without repeats (a request refuses them), in batches of at most `size`. */
function batchesOf(ids: readonly string[], size: number): string[][] {
  const unique = [...new Set(ids)];
  return Array.from({ length: Math.ceil(unique.length / size) }, (_, i) =>
    unique.slice(i * size, (i + 1) * size),
  );
}

/** A vector as the API answers it. */
interface StoredView {
  id: string;
  values: number[];
  metadata: Record<string, unknown> | null;
}
