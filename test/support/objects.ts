import { type _Object, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { createClients } from "../../src/clients";
import type { Settings } from "../../src/settings";

/** One S3 client per settings object, so a test polling its bucket does not make one a call. */
const clients = new WeakMap<Settings, S3Client>();

function clientOf(settings: Settings): S3Client {
  let s3 = clients.get(settings);
  if (!s3) {
    s3 = createClients(settings).s3;
    clients.set(settings, s3);
  }
  return s3;
}

/** Every object stored under `prefix` in the settings' bucket (all pages), sorted by key. */
export async function storedObjects(settings: Settings, prefix = ""): Promise<_Object[]> {
  const s3 = clientOf(settings);
  const out: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: settings.bucket,
        Prefix: prefix,
        ContinuationToken: token,
      }),
    );
    out.push(...(page.Contents ?? []));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const key = (o: _Object) => o.Key as string;
  return out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** The keys of the objects stored under `prefix`, sorted. */
export async function storedKeys(settings: Settings, prefix = ""): Promise<string[]> {
  return (await storedObjects(settings, prefix)).map((o) => o.Key as string);
}
