import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { GraphRef } from "../domain/index-record";
import type { GraphFileCache } from "./graph-file-cache";
import { downloadGraph } from "./graph-patch-apply";
import type { BlobStore } from "./ports";

/** A graph file a catch-up reads (see {@link withGraphFile}). */
export interface GraphFile {
  /** Where it is, once it is all there. */
  readonly path: Promise<string>;
  /** Whether it is a download of the caller's own, which it may remove once read. */
  readonly owned: boolean;
}

/** Where a graph comes from: storage, and the files this instance keeps (none: always download). */
export interface GraphSources {
  /** Where graphs are stored. */
  readonly blobs: BlobStore;
  /** Graph files this instance keeps on disk, if any. */
  readonly files?: GraphFileCache | undefined;
}

/** The graph file a catch-up starts from is not in storage (a trial's snapshot expired). */
export class GraphMissingError extends Error {
  constructor(key: string, indexName: string) {
    super(`graph ${key} of "${indexName}" is missing`);
    this.name = "GraphMissingError";
  }
}

/**
 * Runs `use` with the graph `ref` of index `indexName`: the file this instance keeps (reserved
 * while `use` runs), or else a download streaming to a temporary file of `use`'s own, removed
 * after if `use` left it. `use` is called at once; the download's path resolves when it is all
 * there, or rejects if the graph is missing.
 */
export async function withGraphFile<T>(
  sources: GraphSources,
  indexName: string,
  ref: GraphRef,
  use: (graph: GraphFile) => Promise<T>,
): Promise<T> {
  const key = ref.graph_key;
  // A warm instance may still hold the file (it wrote this generation): no download.
  const local = sources.files?.acquire(key);
  if (local) {
    try {
      return await use({ path: Promise.resolve(local), owned: false });
    } finally {
      await sources.files?.release(key);
    }
  }
  await sources.files?.trim();
  const path = join(tmpdir(), `vectord-catchup-in-${randomUUID()}.hnsw`);
  const graph = downloadGraph(sources.blobs, ref, path).then((found) => {
    if (!found) throw new GraphMissingError(key, indexName);
    return path;
  });
  graph.catch(() => undefined); // `use` may never await it (a rebuild)
  try {
    return await use({ path: graph, owned: true });
  } finally {
    await graph.catch(() => undefined);
    await rm(path, { force: true });
  }
}
