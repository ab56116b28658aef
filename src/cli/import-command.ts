import { basename } from "node:path";
import { MAX_UPSERT_BATCH, type Metric } from "../domain/metric";
import type { RowFormat } from "../domain/vector-files";
import { failpoint } from "../failpoints";
import type { Api } from "./api";
import { bulkImport } from "./bulk-import";
import { ImportCheckpoint } from "./checkpoint";
import { Hdf5File } from "./hdf5";
import { CliError, EXIT, type Output } from "./output";
import { progressBar } from "./progress";
import {
  type FileFormat,
  fileSize,
  formatOf,
  openJsonl,
  openRowFile,
  type VectorRecord,
  type VectorSource,
} from "./readers";

/** Files of these formats at least this big go through the bucket and a bulk import job. */
export const BULK_MIN_BYTES = 8 * 1024 * 1024;
/**
 * A JSON request body, escaped into its Lambda event, stays under this: a function takes 6 MiB
 * (API Gateway passes 10 MB), less room for the event's headers and context.
 */
const BODY_BUDGET_BYTES = 6 * 1024 * 1024 - 64 * 1024;
const BULK_FORMATS: readonly FileFormat[] = ["npy", "fvecs", "bvecs"];

/** Options of `vectord import` (see the CLI's help for their defaults). */
export interface ImportOptions {
  /** The index to write to. */
  readonly index: string;
  /** Default: from the file's extension. */
  readonly format?: FileFormat;
  /** Row r of a file without ids gets id `${idPrefix}${r}` (default ""). */
  readonly idPrefix: string;
  /** Creates the index with this metric when it does not exist (HDF5: the file's own). */
  readonly metric?: Metric;
  /** "auto" (default): the bulk path for .npy/.fvecs/.bvecs of at least 8 MiB. */
  readonly bulk: "auto" | "always" | "never";
  /** Rows per JSON request (default: up to 1,000, fewer for wide vectors). */
  readonly batchSize?: number;
  /** JSON requests in flight (default 4). */
  readonly concurrency: number;
  /** Ignore a checkpoint of an earlier, interrupted run of the same import. */
  readonly restart: boolean;
  /** HDF5: also create this harness from `test`, with the file's `neighbors` as ground truth. */
  readonly harness?: string;
  /** HDF5 harness: neighbors per query (default 10). */
  readonly harnessK: number;
  /** HDF5 harness: queries (default 500). */
  readonly harnessQueries: number;
  /** Show a progress bar (default: when stderr is a terminal and not --json). */
  readonly progress: boolean;
}

/**
 * What `vectord import` reports once done: where the rows went, by which path (a bulk import job,
 * or JSON upserts), and how many.
 */
export interface ImportSummary {
  /** The index written. */
  readonly index: string;
  /** The file read. */
  readonly file: string;
  /** Its format. */
  readonly format: FileFormat;
  /** How the rows went: a bulk import job, or JSON upserts. */
  readonly path: "bulk" | "json";
  /** Rows written. */
  readonly rows: number;
  /** Batches an earlier interrupted run had applied, skipped by this one. */
  readonly resumed_batches: number;
  /** Wall time, seconds. */
  readonly seconds: number;
  /** Rows written per second. */
  readonly vectors_per_second: number;
  /** The bulk import job, on the bulk path. */
  readonly import_id?: string;
  /** The harness created from an HDF5 file's queries, if asked for. */
  readonly harness?: { name: string; queries: number; k: number };
}

/** `vectord import FILE --index NAME`. */
export async function importFile(
  api: Api,
  out: Output,
  file: string,
  options: ImportOptions,
): Promise<ImportSummary> {
  const format = options.format ?? formatOf(file);
  const started = performance.now();
  const h5 = format === "hdf5" ? await Hdf5File.open(file) : undefined;
  const source: VectorSource = h5
    ? h5.train(options.idPrefix)
    : format === "jsonl"
      ? await openJsonl(file)
      : await openRowFile(file, format as RowFormat, options.idPrefix);
  try {
    await ensureIndex(api, out, options.index, source, options.metric ?? h5?.metric());
    const bulk =
      BULK_FORMATS.includes(format) &&
      (options.bulk === "always" ||
        (options.bulk === "auto" && (await fileSize(file)) >= BULK_MIN_BYTES));
    const done: { resumed: number; importId?: string } = bulk
      ? await bulkImport(api, out, file, format, source, options)
      : await jsonImport(api, out, file, source, options);
    const seconds = (performance.now() - started) / 1000;
    let harness: ImportSummary["harness"];
    if (h5 && options.harness) harness = await createHarness(api, h5, source, options);
    return {
      index: options.index,
      file: source.name,
      format,
      path: bulk ? "bulk" : "json",
      rows: source.rows,
      resumed_batches: done.resumed,
      seconds: Math.round(seconds * 1000) / 1000,
      vectors_per_second: Math.round(source.rows / seconds),
      ...(done.importId && { import_id: done.importId }),
      ...(harness && { harness }),
    };
  } finally {
    await source.close();
  }
}

async function ensureIndex(
  api: Api,
  out: Output,
  index: string,
  source: VectorSource,
  metric: Metric | undefined,
): Promise<void> {
  const path = { params: { path: { index } } };
  const found = await api.client.GET("/vectors/indexes/{index}", path);
  if (found.response.status === 404 && metric) {
    await api.call(
      api.client.PUT("/vectors/indexes/{index}", {
        ...path,
        body: { dimension: source.dimension, metric },
      }),
    );
    out.note(`created index "${index}" (${source.dimension}-d, ${metric})`);
    return;
  }
  const record = await api.call<{ dimension: number }>(Promise.resolve(found));
  if (record.dimension !== source.dimension) {
    throw new CliError(
      `${source.name}: rows have ${source.dimension} values; index "${index}" has dimension ${record.dimension}`,
      EXIT.refused,
    );
  }
}

/** Rows per JSON request: at most 1,000, and a body under {@link BODY_BUDGET_BYTES}. */
export function jsonBatchSize(dimension: number, requested?: number): number {
  const fits = Math.floor(BODY_BUDGET_BYTES / (dimension * 12 + 200));
  return Math.max(1, Math.min(requested ?? MAX_UPSERT_BATCH, MAX_UPSERT_BATCH, fits));
}

/** A float32 value as short JSON that reads back as the same float32. */
const short = (x: number) => (Number.isInteger(x) ? String(x) : x.toPrecision(9));

function body(records: readonly VectorRecord[]): string {
  const parts = records.map(
    (r) =>
      `{"id":${JSON.stringify(r.id)},"values":[${Array.from(r.values, short).join(",")}]${r.metadata ? `,"metadata":${JSON.stringify(r.metadata)}` : ""}}`,
  );
  return `{"vectors":[${parts.join(",")}]}`;
}

/**
 * `records` as upsert bodies that fit {@link BODY_BUDGET_BYTES} once escaped into an event: one
 * body, or the halves' bodies, as often as needed (large metadata makes rows larger than their
 * values say), each with its count of rows. A row that cannot fit alone is sent alone, and the
 * service names it.
 */
export function upsertBodies(
  records: readonly VectorRecord[],
): { readonly text: string; readonly rows: number }[] {
  const text = body(records);
  if (records.length === 1 || Buffer.byteLength(JSON.stringify(text)) <= BODY_BUDGET_BYTES) {
    return [{ text, rows: records.length }];
  }
  const half = Math.ceil(records.length / 2);
  return [...upsertBodies(records.slice(0, half)), ...upsertBodies(records.slice(half))];
}

/**
 * The service's refusal of `vectors[i]` of a body whose first row is the file's row `first`,
 * named as the file's row, as a bad record the CLI finds itself is (`FILE: row N: ...`): the
 * service checks what the CLI cannot (a norm against the index's metric, for one).
 */
function asFileRow(err: unknown, file: string, first: number): unknown {
  if (!(err instanceof CliError) || err.code !== "invalid_request") return err;
  const named = /: vectors\[(\d+)\]\.?(.*)$/s.exec(err.message);
  if (!named) return err;
  return new CliError(
    `${file}: row ${first + Number(named[1])}: ${named[2]}`,
    err.exitCode,
    err.code,
  );
}

/** Upserts in batches, `concurrency` in flight, each applied whole; resumable. */
async function jsonImport(
  api: Api,
  out: Output,
  file: string,
  source: VectorSource,
  options: ImportOptions,
): Promise<{ resumed: number; importId?: string }> {
  const size = jsonBatchSize(source.dimension, options.batchSize);
  const checkpoint = await ImportCheckpoint.open({
    endpoint: api.options.endpoint,
    index: options.index,
    file,
    prefix: options.idPrefix,
    batchSize: size,
  });
  const resumed = options.restart ? 0 : checkpoint.size;
  const skip = (first: number) => !options.restart && checkpoint.has(first);
  if (resumed) out.note(`resuming: ${resumed} batches of ${size} were applied by an earlier run`);
  const bar = progressBar(options.progress, "vectors");
  bar?.start(source.rows, Math.min(source.rows, resumed * size));
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const send = async (first: number, records: readonly VectorRecord[]) => {
    // A batch split to fit is applied part by part; a resume sends it again whole (idempotent).
    let offset = 0;
    for (const { text, rows } of upsertBodies(records)) {
      const request = api.client.POST("/vectors/indexes/{index}/vectors", {
        params: { path: { index: options.index } },
        // Written by hand: short float32 text, a third of JSON.stringify's for the same values.
        body: {} as never,
        bodySerializer: () => text,
      });
      await api.call(request).catch((err: unknown) => {
        throw asFileRow(err, basename(file), first + offset);
      });
      offset += rows;
    }
    await checkpoint.add(first);
    await failpoint("cli.import.batch-applied");
    bar?.increment(records.length);
  };
  try {
    for await (const batch of source.batches(size, skip)) {
      if (failure) break;
      const sent = send(batch.first, batch.records).catch((err) => {
        failure ??= err;
      });
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      if (inFlight.size >= options.concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } catch (err) {
    await Promise.all(inFlight);
    throw err;
  } finally {
    bar?.stop();
  }
  if (failure) throw failure;
  await checkpoint.remove();
  return { resumed };
}

async function createHarness(api: Api, h5: Hdf5File, source: VectorSource, options: ImportOptions) {
  const name = options.harness as string;
  const fits = Math.floor(BODY_BUDGET_BYTES / (source.dimension * 12 + options.harnessK * 20 + 50));
  const queries = h5.harnessQueries(
    options.idPrefix,
    options.harnessK,
    Math.min(options.harnessQueries, fits),
  );
  await api.call(
    api.client.POST("/vectors/hnsw/evals/{name}", {
      params: { path: { name } },
      body: { index_name: options.index, k: options.harnessK, queries },
    }),
  );
  return { name, queries: queries.length, k: options.harnessK };
}
