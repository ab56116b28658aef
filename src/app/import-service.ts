import { randomUUID } from "node:crypto";
import { ulid } from "ulid";
import { UPLOADS_PREFIX, uploadKey } from "../../infra/storage";
import { NotFoundError, ValidationError } from "../domain/errors";
import type { ImportFormat, ImportJob } from "../domain/import-job";
import type { BlobStore } from "./ports";
import type { VectorStore } from "./vector-store";
import type { ImportStarter, ImportStore } from "./work-ports";

/** How long a running import may go without progress before a read settles it FAILED. */
export const DEFAULT_IMPORT_STALL_MS = 30 * 60 * 1000;

/** How long an upload URL is valid. */
export const UPLOAD_URL_SECONDS = 3600;

/** The ports {@link ImportService} is built from (see `createServices`). */
export interface ImportServiceDeps {
  readonly imports: ImportStore;
  readonly starter: ImportStarter;
  readonly vectors: VectorStore;
  readonly blobs: BlobStore;
  /** The service's bucket: imports read only from its `uploads/` area. */
  readonly bucket: string;
  /**
   * A running job whose last progress is older than this is settled FAILED when read (default
   * {@link DEFAULT_IMPORT_STALL_MS}: longer than a chunk's timeout and retries): its workflow was
   * stopped, for example by a crash of the local stack.
   */
  readonly stallMs?: number;
  readonly now?: () => Date;
}

/**
 * Bulk import, the API side: a signed URL to upload a file to the service's bucket, then an
 * import job that reads it in chunks of whole rows (the import workflow) and commits each chunk
 * as one segment, whole or not at all, with no JSON and no request-size limit.
 */
export class ImportService {
  constructor(private readonly deps: ImportServiceDeps) {}

  /** Where to PUT a file of `format`, and the `source` that names it in an import. */
  async createUpload(format: ImportFormat) {
    const key = uploadKey(randomUUID(), format);
    return {
      source: `s3://${this.deps.bucket}/${key}`,
      upload_url: await this.deps.blobs.signedPutUrl(key, UPLOAD_URL_SECONDS),
      expires_in_seconds: UPLOAD_URL_SECONDS,
    };
  }

  /** Starts importing `source` into the index; the job (RUNNING). */
  async start(
    indexName: string,
    request: { source: string; format: ImportFormat; id_prefix: string },
    caller: string,
  ): Promise<ImportJob> {
    const key = this.keyOf(request.source);
    const record = await this.deps.vectors.getIndex(indexName);
    if ((await this.deps.blobs.size(key)) === undefined) {
      throw new NotFoundError(
        "upload_not_found",
        `source: nothing at ${request.source}; upload the file first`,
      );
    }
    const job: ImportJob = {
      import_id: ulid(),
      index_name: indexName,
      index_uid: record.uid,
      source: request.source,
      format: request.format,
      id_prefix: request.id_prefix,
      status: "RUNNING",
      rows_total: null,
      rows_done: 0,
      chunks_total: null,
      chunks_done: 0,
      started_by: caller,
      started_at: (this.deps.now?.() ?? new Date()).toISOString(),
      updated_at: (this.deps.now?.() ?? new Date()).toISOString(),
      finished_at: null,
      error: null,
    };
    await this.deps.imports.create(job);
    await this.deps.starter.start({
      import_id: job.import_id,
      index_name: indexName,
      index_uid: record.uid,
      source_key: key,
      format: request.format,
      id_prefix: request.id_prefix,
    });
    return job;
  }

  /** An import job of the index. */
  async get(indexName: string, importId: string): Promise<ImportJob> {
    const job = await this.deps.imports.get(importId);
    if (!job || job.index_name !== indexName) {
      throw new NotFoundError("import_not_found", `index "${indexName}" has no import ${importId}`);
    }
    const now = this.deps.now?.() ?? new Date();
    const stallMs = this.deps.stallMs ?? DEFAULT_IMPORT_STALL_MS;
    const last = Date.parse(job.updated_at ?? job.started_at);
    if (job.status === "RUNNING" && now.getTime() - last > stallMs) {
      const settled = await this.deps.imports.finish(
        importId,
        "FAILED",
        `no progress for ${Math.round(stallMs / 1000)} s: the import was interrupted; run it again (committed rows are upserted again under the same ids)`,
        now.toISOString(),
      );
      return settled ?? job;
    }
    return job;
  }

  /** The key of an `s3://` source, which must be in this service's bucket under `uploads/`. */
  private keyOf(source: string): string {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(source);
    const [bucket, key] = [match?.[1], match?.[2] ?? ""];
    if (bucket !== this.deps.bucket || !key.startsWith(UPLOADS_PREFIX)) {
      throw new ValidationError(
        `source: got ${source}; expected s3://${this.deps.bucket}/${UPLOADS_PREFIX}... (POST /vectors/uploads gives one)`,
      );
    }
    return key;
  }
}
