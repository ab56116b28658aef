import { beforeAll } from "vitest";
import { S3BlobStore } from "../../src/adapters/s3-blob-store";
import { HarnessStore } from "../../src/app/harness-store";
import { createClients } from "../../src/clients";
import { storedKeys } from "./objects";
import type { TestStack } from "./stacks";

/** What harness tests read behind the API: the bucket, the harness store on it, key listings. */
export interface HarnessBlobs {
  /** The stack's bucket, through a client of the test's own. */
  readonly blobs: S3BlobStore;
  /** The harness store on that bucket. */
  readonly harnesses: HarnessStore;
  /** The keys of the bucket's objects under `prefix`, sorted (see `storedKeys`). */
  list(prefix: string): Promise<string[]>;
}

/** {@link HarnessBlobs} on `env`'s bucket, ready once the file's `beforeAll` hooks have run. */
export function useHarnessBlobs(env: TestStack): HarnessBlobs {
  const ctx = {} as { blobs: S3BlobStore; harnesses: HarnessStore };
  beforeAll(() => {
    ctx.blobs = new S3BlobStore(createClients(env.stack.settings).s3, env.stack.settings.bucket);
    ctx.harnesses = new HarnessStore(ctx.blobs);
  });
  return {
    get blobs() {
      return ctx.blobs;
    },
    get harnesses() {
      return ctx.harnesses;
    },
    list: (prefix) => storedKeys(env.stack.settings, prefix),
  };
}
