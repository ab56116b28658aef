import type { Api } from "./api";
import type { ImportOptions } from "./import-command";
import { CliError, EXIT, type Output } from "./output";
import { progressBar } from "./progress";
import { type FileFormat, fileSize, type VectorSource } from "./readers";
import { putFile } from "./upload";

// The bulk path of `vectord import`: the file goes to the bucket, and an import job loads it.

/** Uploads the file to the bucket, then runs an import job and follows its progress. */
export async function bulkImport(
  api: Api,
  out: Output,
  file: string,
  format: FileFormat,
  source: VectorSource,
  options: Pick<ImportOptions, "index" | "idPrefix" | "progress">,
): Promise<{ resumed: number; importId: string }> {
  const upload = await api.call<{ source: string; upload_url: string }>(
    api.client.POST("/vectors/uploads", { body: { format: format as "npy" } }),
  );
  const bytes = await fileSize(file);
  const uploadBar = progressBar(options.progress, "bytes uploaded");
  uploadBar?.start(bytes, 0);
  const put = await putFile(upload.upload_url, file, bytes, (n) => uploadBar?.increment(n)).catch(
    (err: Error) => {
      throw new CliError(`upload of ${source.name} failed: ${err.message}`, EXIT.unavailable);
    },
  );
  uploadBar?.stop();
  if (put.status !== 200) {
    throw new CliError(
      `upload of ${source.name} failed: ${put.status} ${put.body}`,
      EXIT.unavailable,
    );
  }
  const path = { params: { path: { index: options.index } } };
  let job = await api.call<ImportJobView>(
    api.client.POST("/vectors/indexes/{index}/imports", {
      ...path,
      body: { source: upload.source, format: format as "npy", id_prefix: options.idPrefix },
    }),
  );
  out.note(`import ${job.import_id} started`);
  const bar = progressBar(options.progress, "vectors");
  bar?.start(source.rows, 0);
  while (job.status === "RUNNING") {
    await new Promise((r) => setTimeout(r, 250));
    job = await api.call<ImportJobView>(
      api.client.GET("/vectors/indexes/{index}/imports/{import_id}", {
        params: { path: { index: options.index, import_id: job.import_id } },
      }),
    );
    bar?.update(job.rows_done);
  }
  bar?.stop();
  if (job.status === "FAILED") {
    throw new CliError(`import ${job.import_id} failed: ${job.error}`, EXIT.jobFailed);
  }
  return { resumed: 0, importId: job.import_id };
}

interface ImportJobView {
  readonly import_id: string;
  readonly status: "RUNNING" | "SUCCEEDED" | "FAILED";
  readonly rows_done: number;
  readonly error: string | null;
}
