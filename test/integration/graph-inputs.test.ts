import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { S3BlobStore } from "../../src/adapters/s3-blob-store";
import { GraphFileCache } from "../../src/app/graph-file-cache";
import { withGraphFile } from "../../src/app/graph-inputs";
import { createClients } from "../../src/clients";
import { useLocalStack } from "../support/stacks";

// The graph file a catch-up reads: the one the instance keeps, or a download of its own.

const env = useLocalStack();
const sources = () => ({
  blobs: new S3BlobStore(createClients(env.services.settings).s3, env.services.settings.bucket),
  files: new GraphFileCache(),
});
const key = () => `graph-inputs-test/${randomUUID()}.hnsw`;

describe("the graph file a catch-up reads", () => {
  it("is a download of the caller's own when the instance keeps none, removed after even if the caller fails", async () => {
    const { blobs, files } = sources();
    const graph = key();
    const bytes = Buffer.from("not really a graph, but bytes all the same");
    await blobs.put(graph, bytes, "application/octet-stream");
    let seen = "";
    const failing = withGraphFile({ blobs, files }, "idx", { graph_key: graph }, async (file) => {
      expect(file.owned).toBe(true);
      seen = await file.path;
      expect(readFileSync(seen)).toEqual(bytes);
      throw new Error("the caller failed");
    });
    await expect(failing).rejects.toThrow("the caller failed");
    expect(seen).not.toBe("");
    expect(existsSync(seen)).toBe(false);
  });

  it("is the file the instance keeps, not downloaded, and never removed while in use", async () => {
    const { blobs, files } = sources();
    // Nothing is stored under the key: a download would fail.
    const graph = key();
    const path = join(tmpdir(), `graph-inputs-test-${randomUUID()}.hnsw`);
    writeFileSync(path, "kept");
    await files.keep(graph, path);
    const read = await withGraphFile(
      { blobs, files },
      "idx",
      { graph_key: graph },
      async (file) => {
        expect(file.owned).toBe(false);
        // Work that needs disk trims idle files: this one is in use.
        const written = join(tmpdir(), `graph-inputs-test-${randomUUID()}.hnsw`);
        writeFileSync(written, "written");
        await files.keep(key(), written);
        expect(existsSync(path)).toBe(true);
        return readFileSync(await file.path, "utf8");
      },
    );
    expect(read).toBe("kept");
    // No longer the latest, and idle once the caller is done: removed then.
    expect(existsSync(path)).toBe(false);
    await files.clear();
  });

  it("rejects the path of a missing graph, naming it and its index, and spares a caller that never reads it", async () => {
    const { blobs, files } = sources();
    const graph = key();
    const reading = withGraphFile(
      { blobs, files },
      "idx",
      { graph_key: graph },
      (file) => file.path,
    );
    await expect(reading).rejects.toThrow(`graph ${graph} of "idx" is missing`);
    // A caller that decides on other work (a rebuild) never reads the path, and is not failed,
    // even when the download fails while it works: here the store answers "missing" at once
    // (an injected fault), well before the caller's own read of storage returns.
    const answeringAtOnce = Object.assign(Object.create(blobs) as S3BlobStore, {
      getToFile: async () => false,
    });
    const rebuilt = await withGraphFile(
      { blobs: answeringAtOnce, files },
      "idx",
      { graph_key: graph },
      async () => (await blobs.get(graph)) ?? 42,
    );
    expect(rebuilt).toBe(42);
  });
});
