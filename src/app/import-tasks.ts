import { indexGone, NotFoundError, ValidationError } from "../domain/errors";
import type { ImportInput, ImportJob, ImportPlan } from "../domain/import-job";
import {
  chunkRows,
  decodeRows,
  HEADER_BYTES,
  importId,
  layoutOf,
  type RowLayout,
  rowRange,
} from "../domain/vector-files";
import { failpoint } from "../failpoints";
import type { BlobStore } from "./ports";
import type { VectorStore } from "./vector-store";
import type { ImportStore } from "./work-ports";

/** One Map item: a chunk of whole rows of the file. */
export interface ChunkInput {
  /** The import job. */
  readonly import_id: string;
  /** The index it writes to. */
  readonly index_name: string;
  /** The incarnation it writes to (never a re-created index). */
  readonly index_uid: string;
  /** The file's key in the service's bucket. */
  readonly source_key: string;
  /** Row `r` gets id `${id_prefix}${r}`. */
  readonly id_prefix: string;
  /** Where the file's rows are. */
  readonly layout: RowLayout;
  /** The rows `[from, to)` of this chunk. */
  readonly chunk: { readonly from: number; readonly to: number };
}

/**
 * The import workflow's tasks. Plan reads the file's header and cuts it into chunks of whole
 * rows (about 32 MiB of values each); each Chunk reads its byte range, decodes it (refusing a bad
 * row by number) and commits it as one segment with deterministic ids; Finish records the end.
 */
export class ImportTasks {
  constructor(
    private readonly deps: {
      readonly imports: ImportStore;
      readonly vectors: VectorStore;
      readonly blobs: BlobStore;
      readonly now?: () => Date;
    },
  ) {}

  /**
   * The workflow's Plan: reads the file's header, checks it against the index, and splits its rows
   * into chunks.
   */
  async plan(input: ImportInput): Promise<ImportPlan> {
    const name = fileName(input.source_key);
    const size = await this.deps.blobs.size(input.source_key);
    if (size === undefined)
      throw new NotFoundError("upload_not_found", `${name} is not in the bucket`);
    const head = await this.deps.blobs.getRange(input.source_key, 0, Math.min(size, HEADER_BYTES));
    const layout = layoutOf(input.format, head ?? new Uint8Array(), size, name);
    const record = await this.deps.vectors.getIndex(input.index_name);
    if (record.uid !== input.index_uid) {
      throw indexGone(input.index_name, true);
    }
    if (layout.dimension !== record.dimension) {
      throw new ValidationError(
        `${name}: rows have ${layout.dimension} values; index "${input.index_name}" has dimension ${record.dimension}`,
      );
    }
    const per = chunkRows(layout.dimension);
    const chunks: { from: number; to: number }[] = [];
    for (let from = 0; from < layout.rows; from += per) {
      chunks.push({ from, to: Math.min(layout.rows, from + per) });
    }
    await this.deps.imports.planned(input.import_id, layout.rows, chunks.length);
    return { layout, chunks };
  }

  /**
   * One chunk of the Map: reads its rows by byte range and commits them as one segment. A retry
   * upserts the same ids again (same values), and the job counts the chunk once.
   */
  async chunk(input: ChunkInput): Promise<{ rows: number }> {
    const { layout, chunk } = input;
    const name = fileName(input.source_key);
    const [start, end] = rowRange(layout, chunk.from, chunk.to);
    const bytes = await this.deps.blobs.getRange(input.source_key, start, end);
    if (!bytes || bytes.byteLength !== end - start) {
      throw new ValidationError(
        `${name}: rows ${chunk.from}..${chunk.to - 1} could not be read whole`,
      );
    }
    const values = decodeRows(layout, bytes, chunk.from, name);
    const ids = Array.from({ length: chunk.to - chunk.from }, (_, i) =>
      importId(input.id_prefix, chunk.from + i),
    );
    await this.deps.vectors.importRows(
      input.index_name,
      input.index_uid,
      ids,
      values,
      chunk.from,
      name,
    );
    await failpoint("import.chunk-committed");
    await this.deps.imports.chunkDone(input.import_id, chunk.from, ids.length);
    return { rows: ids.length };
  }

  /** Ends the job: SUCCEEDED, or FAILED with the cause Step Functions caught. */
  async finish(
    input: ImportInput & { error?: { Error?: string; Cause?: string } },
  ): Promise<ImportJob | undefined> {
    const at = (this.deps.now?.() ?? new Date()).toISOString();
    if (!input.error) return this.deps.imports.finish(input.import_id, "SUCCEEDED", null, at);
    return this.deps.imports.finish(input.import_id, "FAILED", causeOf(input.error), at);
  }
}

function fileName(key: string): string {
  return key.split("/").at(-1) ?? key;
}

/** The message of a caught task error (Step Functions wraps a Lambda error's JSON in Cause). */
function causeOf(error: { Error?: string; Cause?: string }): string {
  try {
    const parsed = JSON.parse(error.Cause ?? "") as { errorMessage?: string };
    if (parsed.errorMessage) return parsed.errorMessage;
  } catch {
    // not JSON: the cause as given
  }
  return error.Cause || error.Error || "the import failed";
}
